using System.Diagnostics;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>Runs a short-lived <c>bosun</c> command (a snapshot, a server that should refuse to start) to its exit.</summary>
internal static class BosunCommand
{
    public static async Task<KubectlResult> RunAsync(params string[] args)
    {
        using var process = Process.Start(Bosun.Testing.BosunExecutable.StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bosun {string.Join(' ', args)} did not exit within 90 s");
        }
        return new KubectlResult($"bosun {string.Join(' ', args)}", process.ExitCode, await stdout, await stderr);
    }
}
