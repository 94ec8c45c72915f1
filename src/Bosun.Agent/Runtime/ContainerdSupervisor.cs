using System.Diagnostics;
using Bosun.Cri;
using Bosun.Cri.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Runtime;

/// <summary>
/// Starts, adopts and stops the agent's own containerd. containerd runs in its own session (setsid) with its output
/// in a log file, so killing the agent leaves containerd and every pod running; the next agent finds it through the
/// pid file and adopts it. With <see cref="ContainerdOptions.RuntimeEndpoint"/> nothing is started.
/// </summary>
internal sealed partial class ContainerdSupervisor(ContainerdOptions options, ILogger logger, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ContainerdLayout _layout = new(options.Paths);

    public ContainerdLayout Layout => _layout;

    /// <summary>Returns a runtime whose CRI <c>Status</c> reports RuntimeReady; starts or adopts containerd as needed.</summary>
    public async Task<ContainerdEndpoint> StartAsync(CancellationToken ct)
    {
        if (options.RuntimeEndpoint is { } external)
        {
            var version = await WaitReadyAsync(external, pid: null, ct);
            Log.UsingExternal(logger, external, version);
            return new ContainerdEndpoint(external, null, Adopted: false, version);
        }
        if (!options.SkipDependencyCheck) await HostDependencyProbe.EnsureAsync(options.NoInstall, logger, ct);

        Directory.CreateDirectory(_layout.Dir);
        Directory.CreateDirectory(_layout.CertsDir);
        Directory.CreateDirectory(options.Paths.CniConfigDir);
        var config = ContainerdConfig.Render(_layout, options.SandboxImage);

        if (ReadRunningPid() is { } running)
        {
            var sameConfig = File.Exists(_layout.ConfigFile) && File.ReadAllText(_layout.ConfigFile) == config;
            if (sameConfig)
            {
                var version = await WaitReadyAsync(_layout.Socket, running, ct);
                Log.Adopted(logger, running, version);
                return new ContainerdEndpoint(_layout.Socket, running, Adopted: true, version);
            }
            // A changed config needs a restart; the pods survive it (their shims are not containerd's children).
            Log.Restarting(logger, running);
            await StopPidAsync(running, ct);
        }

        await File.WriteAllTextAsync(_layout.ConfigFile, config, ct);
        var pid = Launch();
        await File.WriteAllTextAsync(_layout.PidFile, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        var v = await WaitReadyAsync(_layout.Socket, pid, ct);
        Log.Started(logger, pid, v, _layout.Socket);
        return new ContainerdEndpoint(_layout.Socket, pid, Adopted: false, v);
    }

    /// <summary>Stops the supervised containerd by its pid (SIGTERM, then SIGKILL after 10 s). Pods keep running.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (options.RuntimeEndpoint is not null) return;
        if (ReadRunningPid() is { } pid) await StopPidAsync(pid, ct);
        File.Delete(_layout.PidFile);
    }

    /// <summary>The pid from the pid file when that process is alive and is our containerd (same config file).</summary>
    public int? ReadRunningPid()
    {
        if (!File.Exists(_layout.PidFile)) return null;
        if (!int.TryParse(File.ReadAllText(_layout.PidFile).Trim(), out var pid)) return null;
        return ProcessInfo.CommandLineContains(pid, "containerd", _layout.ConfigFile) ? pid : null;
    }

    private int Launch()
    {
        // setsid runs containerd in a new session (no signal from the agent's terminal or process group reaches it);
        // sh redirects its output to a file, because a pipe to the agent would break when the agent dies.
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = false };
        foreach (var a in (string[])["sh", "-c", "exec containerd --config \"$0\" </dev/null >>\"$1\" 2>&1", _layout.ConfigFile, _layout.LogFile])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start containerd");
        return process.Id;
    }

    private async Task<string> WaitReadyAsync(string socket, int? pid, CancellationToken ct)
    {
        using var channel = CriChannel.ForUnixSocket(socket);
        var deadline = _time.GetUtcNow() + options.ReadyTimeout;
        var last = "no answer yet";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (pid is { } p && !ProcessInfo.IsAlive(p))
                throw new ContainerdException($"containerd (pid {p}) exited during start-up; last lines of {_layout.LogFile}:\n{Tail(_layout.LogFile, 15)}");
            if (File.Exists(socket.StartsWith("unix://", StringComparison.Ordinal) ? socket[7..] : socket))
            {
                try
                {
                    var status = await channel.Runtime.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
                    var ready = status.Status?.Conditions.FirstOrDefault(c => c.Type == "RuntimeReady");
                    if (ready?.Status == true)
                        return (await channel.Runtime.VersionAsync(new VersionRequest(), cancellationToken: ct)).RuntimeVersion;
                    last = ready is null ? "no RuntimeReady condition" : $"RuntimeReady=false: {ready.Reason} {ready.Message}";
                }
                catch (RpcException e)
                {
                    last = e.Status.Detail;
                }
            }
            if (_time.GetUtcNow() > deadline)
                throw new ContainerdException($"CRI runtime at {socket} not ready after {options.ReadyTimeout.TotalSeconds:0} s: {last}");
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct);
        }
    }

    private async Task StopPidAsync(int pid, CancellationToken ct)
    {
        ProcessInfo.Signal(pid, ProcessInfo.SigTerm);
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(10);
        while (ProcessInfo.IsAlive(pid) && _time.GetUtcNow() < deadline)
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, ct);
        if (ProcessInfo.IsAlive(pid)) ProcessInfo.Signal(pid, ProcessInfo.SigKill);
        Log.Stopped(logger, pid);
    }

    private static string Tail(string file, int lines) =>
        File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(lines)) : "(no log file)";

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Started containerd {RuntimeVersion} (pid {Pid}) on {Socket}")]
        public static partial void Started(ILogger logger, int pid, string runtimeVersion, string socket);

        [LoggerMessage(Level = LogLevel.Information, Message = "Adopted running containerd {RuntimeVersion} (pid {Pid})")]
        public static partial void Adopted(ILogger logger, int pid, string runtimeVersion);

        [LoggerMessage(Level = LogLevel.Information, Message = "Using the CRI runtime at {Socket} ({RuntimeVersion}); starting none")]
        public static partial void UsingExternal(ILogger logger, string socket, string runtimeVersion);

        [LoggerMessage(Level = LogLevel.Information, Message = "containerd config changed; restarting containerd (pid {Pid})")]
        public static partial void Restarting(ILogger logger, int pid);

        [LoggerMessage(Level = LogLevel.Information, Message = "Stopped containerd (pid {Pid})")]
        public static partial void Stopped(ILogger logger, int pid);
    }
}

/// <summary>containerd could not be started or did not become ready; the message says why.</summary>
internal sealed class ContainerdException(string message) : Exception(message);
