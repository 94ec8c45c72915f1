using Bosun.Client.Processes;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Runtime;

/// <summary>
/// The I/O edge of <see cref="HostDependencies"/>: looks for each requirement on disk and, when allowed, installs the
/// missing Debian packages with apt-get (saying so), then checks again.
/// </summary>
internal static partial class HostDependencyProbe
{
    public static IReadOnlyList<HostDependencies.Requirement> FindMissing(Func<string, string>? rebase = null)
    {
        rebase ??= p => p;
        return HostDependencies.All.Where(r => !IsPresent(rebase(r.Path), r.MustBeStatic)).ToList();
    }

    /// <summary>
    /// Makes sure everything is installed. Throws <see cref="HostDependencyException"/> (with the exact apt-get line) when
    /// something is missing and cannot or may not be installed.
    /// </summary>
    public static async Task EnsureAsync(bool noInstall, ILogger logger, CancellationToken ct)
    {
        var decision = HostDependencies.Decide(FindMissing(), Environment.UserName == "root" || geteuid() == 0, noInstall);
        switch (decision.Action)
        {
            case DependencyAction.None:
                return;
            case DependencyAction.Fail:
                throw new HostDependencyException(decision.Message);
        }
        Log.Installing(logger, decision.Message);
        await Console.Error.WriteLineAsync($"bosun: {decision.Message}");
        if (await AptGetAsync(["install", "-y", .. decision.Packages], ct) != 0)
        {
            // A fresh machine may have no package lists yet.
            await AptGetAsync(["update"], ct);
            await AptGetAsync(["install", "-y", .. decision.Packages], ct);
        }
        var still = FindMissing();
        if (still.Count > 0)
            throw new HostDependencyException($"still missing after apt-get: {string.Join(", ", still.Select(r => r.Name))}; run: {HostDependencies.InstallCommand(HostDependencies.PackagesFor(still))}");
    }

    internal static bool IsPresent(string path, bool mustBeStatic) =>
        File.Exists(path) && (!mustBeStatic || ElfFile.IsStaticallyLinked(path));

    private static async Task<int> AptGetAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        // apt-get's progress goes to the user's terminal, as when they run it themselves.
        var run = new ProcessRun("apt-get", args) { InheritOutput = true, Environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" } };
        try
        {
            return (await ProcessRunner.RunAsync(run, ct)).ExitCode;
        }
        catch (ProcessRunException e)
        {
            throw new HostDependencyException(e.Message);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Host dependencies: {Message}")]
        public static partial void Installing(ILogger logger, string message);
    }
}

/// <summary>The host lacks something the agent needs; the message says what and how to install it.</summary>
internal sealed class HostDependencyException(string message) : Exception(message);
