using System.Diagnostics;
using System.Text;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>
/// One <c>bosun server</c> process on a data dir: started from the built <c>bosun.dll</c>, ready once
/// <c>/readyz</c> answers 200, stopped by signal to its own PID only.
/// </summary>
internal sealed class BosunProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private BosunProcess(Process process, string dataDir, int port)
    {
        _process = process;
        DataDir = dataDir;
        Port = port;
    }

    public string DataDir { get; }
    public int Port { get; }
    public int Pid => _process.Id;
    public string KubeconfigPath => Path.Combine(DataDir, "admin.kubeconfig");
    public Uri Url => new($"https://127.0.0.1:{Port}");
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the server wrote to stdout and stderr so far, for failure messages.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>
    /// Starts the server on <paramref name="dataDir"/> and a free loopback port, and waits until it is ready;
    /// <paramref name="extraArgs"/> go after the fixed flags (e.g. <c>--node-monitor-grace-period 8</c>).
    /// </summary>
    public static Task<BosunProcess> StartAsync(string dataDir, params string[] extraArgs) =>
        StartAsync(dataDir, agent: false, extraArgs);

    /// <summary>Starts the server with its built-in node agent (root only); <paramref name="extraArgs"/> as above.</summary>
    public static Task<BosunProcess> StartWithAgentAsync(string dataDir, params string[] extraArgs) =>
        StartAsync(dataDir, agent: true, extraArgs);

    /// <summary>Listening on every address: a node in a network namespace of the test reaches it through its veth.</summary>
    public static Task<BosunProcess> StartWithAgentOnAllAddressesAsync(string dataDir, params string[] extraArgs) =>
        StartAsync(dataDir, agent: true, extraArgs, "0.0.0.0");

    private static async Task<BosunProcess> StartAsync(string dataDir, bool agent, string[] extraArgs, string bindAddress = "127.0.0.1")
    {
        var port = FreePort.Next();
        var psi = Bosun.Testing.BosunExecutable.StartInfo(new[]
        {
            "server", "--data-dir", dataDir, "--https-listen-port", port.ToString(), "--bind-address", bindAddress,
        }.Concat(agent ? [] : ["--disable-agent"]).Concat(extraArgs));
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var server = new BosunProcess(process, dataDir, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private async Task WaitReadyAsync()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        await Poll.UntilAsync(async () =>
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"bosun server exited with {_process.ExitCode} before it was ready:\n{Log}");
            try
            {
                using var response = await http.GetAsync(new Uri(Url, "/readyz"));
                return response.IsSuccessStatusCode && File.Exists(KubeconfigPath);
            }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) { return false; }
        }, ReadyTimeout, $"bosun server /readyz on port {Port}");
    }

    /// <summary>Sends SIGTERM and returns the exit code once the process is gone.</summary>
    public Task<int> TerminateAsync() => SignalAndWaitAsync(Signals.SigTerm);

    /// <summary>Sends SIGKILL (kill -9) and waits for the process to be gone.</summary>
    public Task<int> KillAsync() => SignalAndWaitAsync(Signals.SigKill);

    private async Task<int> SignalAndWaitAsync(int signal)
    {
        if (!_process.HasExited) Signals.Send(_process.Id, signal);
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"bosun server (pid {_process.Id}) did not exit within {ExitTimeout.TotalSeconds}s of signal {signal}:\n{Log}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) await KillAsync();
        }
        catch (InvalidOperationException) { /* never started */ }
        _process.Dispose();
    }
}
