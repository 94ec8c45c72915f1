using Bosun.Client.Processes;

namespace Bosun.Proxy.Tests.Netns;

/// <summary>Runs a tool and returns its output; throws with stderr when it fails (unless allowed).</summary>
internal static class Shell
{
    public static async Task<string> RunAsync(string file, params string[] args) =>
        (await ProcessRunner.RunAsync(file, args, CancellationToken.None)).EnsureSuccess().Stdout;

    public static async Task<(int Code, string Output, string Error)> TryRunAsync(string file, params string[] args)
    {
        var r = await ProcessRunner.RunAsync(file, args, CancellationToken.None);
        return (r.ExitCode, r.Stdout, r.Stderr);
    }
}
