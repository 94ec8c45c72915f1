using k8s.Models;

namespace Bosun.SimulatedNodes;

/// <summary>
/// Pod annotations a simulated node honours (documented in docs/simulated-nodes.md):
/// <c>sim.bosun.dev/run-seconds</c> and <c>sim.bosun.dev/exit-code</c> make the containers exit after a while,
/// <c>sim.bosun.dev/usage</c> declares the pod's simulated resource usage (<c>cpu=200m,memory=64Mi</c>).
/// </summary>
public static class SimulatedAnnotations
{
    public const string Prefix = "sim.bosun.dev/";
    public const string ExitCode = Prefix + "exit-code";
    public const string RunSeconds = Prefix + "run-seconds";
    public const string Usage = Prefix + "usage";

    /// <summary>When and how the pod's containers exit; null when they run until deleted.</summary>
    public static (TimeSpan RunFor, int ExitCode)? Exit(V1Pod pod)
    {
        var a = pod.Metadata.Annotations;
        if (a is null) return null;
        var hasCode = a.TryGetValue(ExitCode, out var code);
        var hasRun = a.TryGetValue(RunSeconds, out var run);
        if (!hasCode && !hasRun) return null;
        var exit = hasCode && int.TryParse(code, out var c) ? c : 0;
        var seconds = hasRun && double.TryParse(run, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 0;
        return (TimeSpan.FromSeconds(Math.Max(0, seconds)), exit);
    }

    /// <summary>The declared usage, e.g. <c>cpu=200m,memory=64Mi</c>; malformed entries are skipped.</summary>
    public static IReadOnlyDictionary<string, ResourceQuantity> ParseUsage(V1Pod pod)
    {
        var result = new Dictionary<string, ResourceQuantity>();
        if (pod.Metadata.Annotations?.TryGetValue(Usage, out var text) != true || text is null) return result;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) continue;
            try { result[part[..eq].Trim()] = new ResourceQuantity(part[(eq + 1)..].Trim()); }
            catch (FormatException) { }
        }
        return result;
    }
}
