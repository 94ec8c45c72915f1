using Bosun.Client.Processes;

namespace Bosun.Testing.Containers;

/// <summary>Runs a host tool (ip, iptables) and returns its exit code and output; for test set-up and teardown only.</summary>
public static class HostCommand
{
    public static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var r = ProcessRunner.Run(new ProcessRun(file, args) { Timeout = TimeSpan.FromMinutes(2) });
        return (r.ExitCode, r.Stdout + r.Stderr);
    }
}
