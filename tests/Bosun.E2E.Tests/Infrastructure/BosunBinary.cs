namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>Short <c>bosun</c> commands run to their end, for tests that read the output as one text.</summary>
internal static class BosunBinary
{
    /// <summary>Runs a short <c>bosun</c> command to its end (<see cref="BosunCommand"/>); exit code and stdout + stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var result = await BosunCommand.RunAsync(args);
        return (result.ExitCode, result.Stdout + result.Stderr);
    }
}
