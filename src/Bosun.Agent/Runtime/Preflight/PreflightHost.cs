using Bosun.Client.Processes;
using System.Net;
using System.Net.Sockets;

namespace Bosun.Agent.Runtime.Preflight;

/// <summary>The host as the preflight checks see it: files under /proc and /sys, and a few probes. Faked in unit tests.</summary>
internal interface IPreflightHost
{
    /// <summary>The file's text, or null when it does not exist or cannot be read.</summary>
    string? ReadFile(string path);

    bool IsRoot { get; }

    /// <summary>Whether a socket could bind <paramref name="endpoint"/> now (nothing else listening on it).</summary>
    bool CanBind(IPEndPoint endpoint, ProtocolType protocol);

    /// <summary>Null when <paramref name="directory"/> exists (created if missing) and takes a new file, else why not.</summary>
    string? WritableProblem(string directory);

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> (a sysctl); null on success, else why not.</summary>
    string? WriteFile(string path, string value);

    /// <summary>The agent's host packages that are not installed (see <see cref="HostDependencies"/>).</summary>
    IReadOnlyList<HostDependencies.Requirement> MissingDependencies();

    /// <summary>Loads a kernel module (<c>modprobe</c>); null on success, else why not.</summary>
    string? LoadModule(string name);
}

/// <summary>The real host.</summary>
internal sealed class SystemPreflightHost : IPreflightHost
{
    public string? ReadFile(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public bool IsRoot => Environment.UserName == "root" || geteuid() == 0;

    public bool CanBind(IPEndPoint endpoint, ProtocolType protocol)
    {
        using var socket = new Socket(endpoint.AddressFamily, protocol == ProtocolType.Udp ? SocketType.Dgram : SocketType.Stream, protocol);
        // As Kestrel does on Linux: a port left in TIME_WAIT by a previous run is free, a listening one is not.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(endpoint);
            if (protocol == ProtocolType.Tcp) socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public string? WritableProblem(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".preflight-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    public string? WriteFile(string path, string value)
    {
        try { File.WriteAllText(path, value); return null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return e.Message; }
    }

    public IReadOnlyList<HostDependencies.Requirement> MissingDependencies() => HostDependencyProbe.FindMissing();

    public string? LoadModule(string name)
    {
        try
        {
            var r = ProcessRunner.Run(new ProcessRun("modprobe", [name]) { Timeout = TimeSpan.FromSeconds(30) });
            return r.Succeeded ? null : $"exit {r.ExitCode}: {r.Stderr.Trim()}";
        }
        catch (ProcessRunException e)
        {
            return e.Message;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
