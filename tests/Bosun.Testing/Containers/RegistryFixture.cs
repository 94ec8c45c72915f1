using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Bosun.Agent.Images;

namespace Bosun.Testing.Containers;

/// <summary>
/// A private registry for tests: Debian's <c>docker-registry</c> (distribution 2.8) on a free loopback port, with its
/// own storage directory and config and, when given a user, htpasswd basic auth (bcrypt from the host's libcrypt);
/// optionally TLS with a certificate for 127.0.0.1 from a test CA made for this instance (<see cref="CaFile"/>).
/// Images are pushed with the agent's own <see cref="RegistryPusher"/> (what <c>bosun image push</c> runs).
/// Disposing stops the registry by its pid and removes the directory.
/// </summary>
public sealed class RegistryFixture : IAsyncDisposable
{
    public const string Binary = "/usr/bin/docker-registry";

    private readonly Process _process;
    private readonly string _dir;
    private readonly StringBuilder _log;

    private RegistryFixture(Process process, string dir, int port, StringBuilder log, string? username, string? password, string? caFile)
    {
        _process = process;
        _dir = dir;
        _log = log;
        Host = $"127.0.0.1:{port}";
        Username = username;
        Password = password;
        CaFile = caFile;
    }

    /// <summary>The test CA's PEM certificate when the registry serves TLS, else null (plain http).</summary>
    public string? CaFile { get; }

    /// <summary><c>https://HOST/</c> or <c>http://HOST/</c>.</summary>
    public Uri BaseUri => new($"{(CaFile is null ? "http" : "https")}://{Host}/");

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Host { get; }

    public string? Username { get; }

    public string? Password { get; }

    /// <summary>What the registry logged (for failure messages).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Starts a registry; with <paramref name="username"/>, only that user (with <paramref name="password"/>) may pull or push.</summary>
    public static async Task<RegistryFixture> StartAsync(string? username = null, string? password = null, bool tls = false)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: apt-get install docker-registry (the .ci/run apt list has it)");
        for (var attempt = 0; ; attempt++)
        {
            var dir = Directory.CreateTempSubdirectory("bosun-registry-").FullName;
            var port = FreeLoopbackPort();
            var log = new StringBuilder();
            var caFile = tls ? TestCertificates.Write(dir) : null;
            var process = Start(dir, port, username, password, tls, log);
            var fixture = new RegistryFixture(process, dir, port, log, username, password, caFile);
            if (await fixture.WaitReadyAsync()) return fixture;
            var output = fixture.Log;
            await fixture.DisposeAsync();
            // Another process may have taken the port between our probe and the registry's bind: try another.
            if (attempt == 2 || !output.Contains("address already in use"))
                throw new InvalidOperationException($"docker-registry did not start on 127.0.0.1:{port}:\n{output}");
        }
    }

    /// <summary>Pushes a docker-archive or OCI-layout tarball as <c>HOST/REPOSITORY:TAG</c>; returns the manifest digest.</summary>
    public async Task<string> PushAsync(string tarball, string repositoryAndTag)
    {
        var target = RegistryReference.Parse($"{Host}/{repositoryAndTag}");
        var work = Directory.CreateTempSubdirectory("bosun-push-");
        try
        {
            var image = ImageArchive.Read(tarball, work.FullName);
            var options = new RegistryConnectionOptions(Insecure: false, CaFile, Username, Password);
            using var http = RegistryConnection.CreateClient(options);
            var pusher = new RegistryPusher(http, BaseUri, RegistryConnection.Basic(options), _ => { });
            return await pusher.PushAsync(image, target.Repository, target.Tag, CancellationToken.None);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        _process.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static Process Start(string dir, int port, string? username, string? password, bool tls, StringBuilder log)
    {
        var config = new StringBuilder();
        config.AppendLine("version: 0.1");
        config.AppendLine("log:\n  level: info\n  accesslog:\n    disabled: true");
        config.AppendLine($"storage:\n  filesystem:\n    rootdirectory: {Path.Combine(dir, "data")}\n  delete:\n    enabled: true");
        config.AppendLine($"http:\n  addr: 127.0.0.1:{port}\n  secret: {Guid.NewGuid():N}");
        if (tls) config.AppendLine($"  tls:\n    certificate: {Path.Combine(dir, TestCertificates.ServerCert)}\n    key: {Path.Combine(dir, TestCertificates.ServerKey)}");
        if (username is not null)
        {
            var htpasswd = Path.Combine(dir, "htpasswd");
            File.WriteAllText(htpasswd, $"{username}:{Bcrypt(password ?? "")}\n");
            config.AppendLine($"auth:\n  htpasswd:\n    realm: bosun-test\n    path: {htpasswd}");
        }
        var configFile = Path.Combine(dir, "config.yml");
        File.WriteAllText(configFile, config.ToString());
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(configFile);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null) return;
        lock (log) log.AppendLine(line);
    }

    private async Task<bool> WaitReadyAsync()
    {
        using var http = RegistryConnection.CreateClient(new RegistryConnectionOptions(false, CaFile, null, null));
        http.Timeout = TimeSpan.FromSeconds(2);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUri, "/v2/"));
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized) return true;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        return false;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A bcrypt hash, which is what distribution's htpasswd accepts, from libxcrypt (no htpasswd tool needed).</summary>
    private static string Bcrypt(string password)
    {
        var setting = CryptGensalt("$2b$", 5, IntPtr.Zero, 0);
        if (setting == IntPtr.Zero) throw new InvalidOperationException("crypt_gensalt failed");
        var hash = Crypt(password, Marshal.PtrToStringAnsi(setting)!);
        return hash == IntPtr.Zero ? throw new InvalidOperationException("crypt failed") : Marshal.PtrToStringAnsi(hash)!;
    }

    [DllImport("libcrypt.so.1", EntryPoint = "crypt_gensalt")]
    private static extern IntPtr CryptGensalt([MarshalAs(UnmanagedType.LPUTF8Str)] string prefix, ulong count, IntPtr randomBytes, int randomBytesCount);

    [DllImport("libcrypt.so.1", EntryPoint = "crypt")]
    private static extern IntPtr Crypt([MarshalAs(UnmanagedType.LPUTF8Str)] string key, [MarshalAs(UnmanagedType.LPUTF8Str)] string setting);

    /// <summary>Basic-auth header of the fixture's user, for direct registry calls in tests.</summary>
    public AuthenticationHeaderValue? Authorization =>
        Username is null ? null : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")));
}
