using Bosun.Testing;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>Short <c>bosun</c> commands run to their end (<see cref="BosunExecutable"/> says which binary).</summary>
internal static class BosunBinary
{
    /// <summary>Runs a short <c>bosun</c> command to its end; exit code and stdout + stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(BosunExecutable.StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
