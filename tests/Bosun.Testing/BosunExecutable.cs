using System.Diagnostics;
using System.Reflection;

namespace Bosun.Testing;

/// <summary>
/// The <c>bosun</c> binary that out-of-process tests and benchmarks run. <c>BOSUN_BINARY</c>, when set, names it (an
/// executable or a <c>bosun.dll</c>): the native build that <c>./bosun</c> publishes to <c>artifacts/bin/bosun</c>, which
/// is what users run and what <c>.ci/run</c> tests. Otherwise <c>dotnet</c> runs the <c>bosun.dll</c> that building the
/// solution leaves in <c>src/Bosun.Server/bin/&lt;configuration&gt;/net10.0/</c>, so a test can be rerun without a native
/// build.
/// </summary>
public static class BosunExecutable
{
    private static readonly Lazy<string[]> Command = new(Locate);

    /// <summary>The program and the arguments before bosun's own: <c>[path/to/bosun]</c> or <c>[dotnet, path/to/bosun.dll]</c>.</summary>
    public static IReadOnlyList<string> CommandLine => Command.Value;

    /// <summary>The command line that runs the build at <paramref name="path"/>: a <c>.dll</c> through <c>dotnet</c>, else itself.</summary>
    public static IReadOnlyList<string> CommandLineFor(string path) =>
        path.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", path] : [path];

    /// <summary>A start info running <c>bosun</c> with <paramref name="args"/>, output redirected, no shell.</summary>
    public static ProcessStartInfo StartInfo(params IEnumerable<string> args) => StartInfo(CommandLine, args);

    /// <summary>As <see cref="StartInfo(IEnumerable{string})"/>, for another build's <paramref name="commandLine"/>.</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyList<string> commandLine, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(commandLine[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in commandLine.Skip(1).Concat(args)) info.ArgumentList.Add(a);
        return info;
    }

    private static string[] Locate()
    {
        if (Environment.GetEnvironmentVariable("BOSUN_BINARY") is { Length: > 0 } binary)
            return File.Exists(binary) ? [.. CommandLineFor(Path.GetFullPath(binary))] : throw new FileNotFoundException("BOSUN_BINARY does not exist", binary);
        var configuration = typeof(BosunExecutable).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        // From the test's own folder, or from the working directory when it was built elsewhere (-o).
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "Bosun.slnx"))) continue;
                var dll = Path.Combine(dir.FullName, "src", "Bosun.Server", "bin", configuration, "net10.0", "bosun.dll");
                return File.Exists(dll) ? ["dotnet", dll] : throw new FileNotFoundException($"bosun.dll not built; run 'dotnet build src/Bosun.Server -c {configuration}'", dll);
            }
        throw new DirectoryNotFoundException($"no Bosun.slnx above {AppContext.BaseDirectory}");
    }
}
