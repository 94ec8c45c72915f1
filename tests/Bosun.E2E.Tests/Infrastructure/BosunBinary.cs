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
