using System.Reflection;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>
/// Finds the built <c>bosun.dll</c>. The test project references the server project for build order only, so
/// <c>dotnet test</c> on the solution builds it into <c>src/Bosun.Server/bin/&lt;Config&gt;/net10.0/</c> with the
/// same configuration as this assembly. <c>BOSUN_E2E_SERVER_DLL</c> overrides the location.
/// </summary>
internal static class BosunBinary
{
    private static readonly Lazy<string> Dll = new(Locate);

    public static string Path => Dll.Value;

    /// <summary>Runs a short <c>bosun</c> command to its end; exit code and stdout + stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("BOSUN_E2E_SERVER_DLL") is { Length: > 0 } overridden)
            return File.Exists(overridden) ? overridden : throw new FileNotFoundException("BOSUN_E2E_SERVER_DLL does not exist", overridden);

        var configuration = typeof(BosunBinary).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var root = RepoRoot.Path;
        var candidate = System.IO.Path.Combine(root, "src", "Bosun.Server", "bin", configuration, "net10.0", "bosun.dll");
        return File.Exists(candidate)
            ? candidate
            : throw new FileNotFoundException($"bosun.dll not built; run 'dotnet build src/Bosun.Server -c {configuration}'", candidate);
    }
}
