using System.Runtime.InteropServices;

namespace Bosun.Agent.Runtime;

/// <summary>Processes by pid through /proc and kill(2): how the agent finds and stops what it started.</summary>
internal static class ProcessInfo
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Alive and not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..];
            return !state.StartsWith('Z') && !state.StartsWith('X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The NUL-separated arguments of a live process, or empty.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>True when the process is alive and every one of <paramref name="parts"/> appears in its arguments.</summary>
    public static bool CommandLineContains(int pid, params string[] parts)
    {
        if (!IsAlive(pid)) return false;
        var args = CommandLine(pid);
        return parts.All(p => args.Any(a => a.Contains(p, StringComparison.Ordinal)));
    }

    /// <summary>Pids of live processes whose arguments contain every one of <paramref name="parts"/>.</summary>
    public static IReadOnlyList<int> Find(params string[] parts) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && CommandLineContains(pid, parts))
            .ToList();

    public static void Signal(int pid, int signal) => _ = kill(pid, signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
