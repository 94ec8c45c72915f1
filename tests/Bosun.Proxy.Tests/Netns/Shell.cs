using System.Diagnostics;

namespace Bosun.Proxy.Tests.Netns;

/// <summary>Runs a tool and returns its output; throws with stderr when it fails (unless allowed).</summary>
internal static class Shell
{
    public static async Task<string> RunAsync(string file, params string[] args) => (await TryRunAsync(file, args)) switch
    {
        (0, var output, _) => output,
        var (code, _, err) => throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {err}"),
    };

    public static async Task<(int Code, string Output, string Error)> TryRunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await output, await error);
    }
}
