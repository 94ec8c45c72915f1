using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Bosun.E2E.Tests.Infrastructure;
using Bosun.Testing.Etcd;

namespace Bosun.E2E.Tests;

/// <summary>
/// <c>bosun certificate check|rotate|etcd</c>, key file modes and <c>--secrets-encryption</c>, with the built binary,
/// the real kubectl, etcd and etcdctl.
/// </summary>
[Trait("Category", "E2E")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CertificateTests
{
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The serial number of the certificate the server presents in a TLS handshake right now.</summary>
    private static async Task<string> ServedSerialAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" });
        return tls.RemoteCertificate!.GetSerialNumberString();
    }

    private static string FileSerial(string path) => X509Certificate2.CreateFromPem(File.ReadAllText(path)).SerialNumber;

    [Fact]
    public async Task Rotate_ApiServer_RunningServerServesTheNewCertificate_AndKubectlKeepsWorking()
    {
        using var temp = new TempDirectory("bosun-e2e-cert");
        await using var server = await BosunProcess.StartAsync(temp.Combine("data"));
        var kubectl = new Kubectl(server.KubeconfigPath, temp.Combine("home"));
        var before = await ServedSerialAsync(server.Port);
        Assert.Equal(FileSerial(temp.Combine("data", "server", "tls", "serving.crt")), before);

        var check = await BosunCommand.RunAsync("certificate", "check", "--data-dir", temp.Combine("data"));
        Assert.True(check.ExitCode == 0, check.ToString());
        foreach (var file in new[] { "server/tls/ca.crt", "server/tls/agent-ca.crt", "server/tls/etcd/server-ca.crt", "server/tls/etcd/peer-ca.crt",
                     "server/tls/serving.crt", "server/tls/apiserver-kubelet-client.crt", "server/cred/scheduler.kubeconfig", "admin.kubeconfig" })
            Assert.Contains(check.Lines, l => l.StartsWith(file + " ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("OK", StringComparison.Ordinal));
        Assert.StartsWith("FILE", check.Lines[0]);
        Assert.Contains("DAYS LEFT", check.Lines[0]);

        var rotate = await BosunCommand.RunAsync("certificate", "rotate", "--data-dir", temp.Combine("data"), "--service", "api-server");
        Assert.True(rotate.ExitCode == 0, rotate.ToString());
        Assert.Contains("renewed server/tls/serving.crt", rotate.Stdout);
        var rotated = FileSerial(temp.Combine("data", "server", "tls", "serving.crt"));
        Assert.NotEqual(before, rotated);

        await Poll.UntilAsync(async () => await ServedSerialAsync(server.Port) == rotated, ReloadTimeout, "the server to serve the rotated certificate");
        (await kubectl.RunAsync("get", "namespaces", "default")).Ok();
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task Rotate_All_RenewsClientCertificates_AndTheAdminKubeconfigStillWorks()
    {
        using var temp = new TempDirectory("bosun-e2e-cert");
        await using var server = await BosunProcess.StartAsync(temp.Combine("data"));
        var kubectl = new Kubectl(server.KubeconfigPath, temp.Combine("home"));
        var admin = FileSerial(temp.Combine("data", "server", "tls", "admin.crt"));
        var scheduler = await File.ReadAllTextAsync(temp.Combine("data", "server", "cred", "scheduler.kubeconfig"));

        var rotate = await BosunCommand.RunAsync("certificate", "rotate", "--data-dir", temp.Combine("data"));

        Assert.True(rotate.ExitCode == 0, rotate.ToString());
        Assert.NotEqual(admin, FileSerial(temp.Combine("data", "server", "tls", "admin.crt")));
        Assert.NotEqual(scheduler, await File.ReadAllTextAsync(temp.Combine("data", "server", "cred", "scheduler.kubeconfig")));
        var whoami = (await kubectl.RunAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Ok();
        Assert.Equal("system:admin", whoami.Stdout.Trim());
        var schedulerKubectl = kubectl.WithKubeconfig(temp.Combine("data", "server", "cred", "scheduler.kubeconfig"));
        Assert.Equal("system:kube-scheduler", (await schedulerKubectl.RunAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Ok().Stdout.Trim());
    }

    [Fact]
    public async Task Rotate_UnknownService_IsRejectedWithTheKnownNames()
    {
        using var temp = new TempDirectory("bosun-e2e-cert");
        await using (await BosunProcess.StartAsync(temp.Combine("data")))
        {
        }

        var rotate = await BosunCommand.RunAsync("certificate", "rotate", "--data-dir", temp.Combine("data"), "--service", "nope");

        Assert.Equal(2, rotate.ExitCode);
        Assert.Contains("bosun certificate rotate: unknown service \"nope\"; known: api-server, admin, kubelet-client", rotate.Stderr);
    }

    [Fact]
    public async Task DataDir_AfterStart_EveryKeyTokenAndKubeconfigIs0600()
    {
        using var temp = new TempDirectory("bosun-e2e-modes");
        await using var server = await BosunProcess.StartAsync(temp.Combine("data"), "--secrets-encryption");
        // The join token is written just after the server turns ready.
        await Poll.UntilAsync(() => File.Exists(temp.Combine("data", "server", "node-token")), ReloadTimeout, "server/node-token");
        var privateFiles = Directory.EnumerateFiles(temp.Combine("data"), "*", SearchOption.AllDirectories)
            .Where(f => IsSecretMaterial(f))
            .ToList();

        // The walk must find what it is meant to check, or it would pass on an empty directory.
        foreach (var expected in new[] { "ca.key", "agent-ca.key", "server-ca.key", "peer-ca.key", "serving.key", "admin.key",
                     "apiserver-kubelet-client.key", "service-account.key", "token", "node-token", "secrets-encryption.key", "admin.kubeconfig", "scheduler.kubeconfig" })
            Assert.Contains(privateFiles, f => Path.GetFileName(f) == expected);
        var loose = privateFiles.Where(f => File.GetUnixFileMode(f) != (UnixFileMode.UserRead | UnixFileMode.UserWrite))
            .Select(f => $"{f} {File.GetUnixFileMode(f)}").ToList();
        Assert.True(loose.Count == 0, "not 0600:\n" + string.Join("\n", loose));
    }

    private static bool IsSecretMaterial(string path)
    {
        var name = Path.GetFileName(path);
        if (name.EndsWith(".key", StringComparison.Ordinal) || name.EndsWith(".kubeconfig", StringComparison.Ordinal) || name is "token" or "node-token")
            return true;
        var info = new FileInfo(path);
        return info.Length < 1 << 20 && File.ReadAllText(path).Contains("PRIVATE KEY", StringComparison.Ordinal);
    }

    [Fact]
    public async Task EtcdCertificates_ServeAnEtcdOverMutualTls_TwoServersShareTheSecretsKey_AndEtcdHoldsNoPlaintext()
    {
        using var temp = new TempDirectory("bosun-e2e-etcdtls");
        var data = temp.Combine("a");
        var certs = temp.Combine("etcd-certs");
        var issue = await BosunCommand.RunAsync("certificate", "etcd", "--data-dir", data, "--output", certs, "--host", "127.0.0.1");
        Assert.True(issue.ExitCode == 0, issue.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(certs, "client.key")));
        await using var etcd = await EtcdCluster.StartAsync(1, null, false,
            new EtcdTlsFiles(Path.Combine(certs, "server-ca.crt"), Path.Combine(certs, "server.crt"), Path.Combine(certs, "server.key")));
        string[] datastore =
        [
            "--datastore-endpoint", etcd.Endpoints, "--datastore-cafile", Path.Combine(certs, "server-ca.crt"),
            "--datastore-certfile", Path.Combine(certs, "client.crt"), "--datastore-keyfile", Path.Combine(certs, "client.key"),
            "--token", "etcd-tls-token", "--secrets-encryption",
        ];
        await using var first = await BosunProcess.StartAsync(data, datastore);
        await using var second = await BosunProcess.StartAsync(temp.Combine("b"), datastore);
        var a = new Kubectl(first.KubeconfigPath, temp.Combine("home"));
        var b = a.WithKubeconfig(second.KubeconfigPath);
        var value = "etcd-secret-" + Guid.NewGuid().ToString("N");

        (await a.RunAsync("create", "secret", "generic", "db", "--from-literal", "password=" + value)).Ok();

        var fromB = (await b.RunAsync("get", "secret", "db", "-o", "jsonpath={.data.password}")).Ok().Stdout.Trim();
        Assert.Equal(value, Encoding.UTF8.GetString(Convert.FromBase64String(fromB)));
        var raw = await EtcdctlGetAsync(etcd.Endpoints, certs, "/registry/secrets/default/db");
        Assert.StartsWith("/registry/secrets/default/db\nk8s:enc:aesgcm:v1:key-", raw);
        Assert.DoesNotContain(value, raw);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)), raw);
        // The same read finds plaintext where there is some: a ConfigMap is stored as it is.
        (await a.RunAsync("create", "configmap", "plain", "--from-literal", "v=" + value)).Ok();
        Assert.Contains(value, await EtcdctlGetAsync(etcd.Endpoints, certs, "/registry/configmaps/default/plain"));
    }

    /// <summary>The raw stored bytes through the real etcdctl, with the client certificate <c>bosun certificate etcd</c> issued.</summary>
    private static async Task<string> EtcdctlGetAsync(string endpoints, string certs, string key)
    {
        var start = new System.Diagnostics.ProcessStartInfo("etcdctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--endpoints", endpoints, "--cacert", Path.Combine(certs, "server-ca.crt"),
                     "--cert", Path.Combine(certs, "client.crt"), "--key", Path.Combine(certs, "client.key"), "get", key })
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"etcdctl get {key}: {stderr}");
        return stdout;
    }
}
