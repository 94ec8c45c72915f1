using System.Globalization;
using System.Text.RegularExpressions;

namespace Bosun.Bench;

/// <summary>
/// The agent's own account of each pod start (its <c>Pod ns/name started in N ms: step=ms …</c> log line, written by
/// <c>PodStartTrace</c>): per step, the median over a round's pods, so the benchmark shows where a start goes on the
/// node next to what the watch saw (create → bound → Ready).
/// </summary>
internal static partial class PodStartSteps
{
    /// <summary>Steps in the order they happen; unknown steps follow in the order first seen.</summary>
    private static readonly string[] Order =
        ["queue", "read", "volumes", "sandbox-prepare", "run-sandbox", "sandbox-status", "image", "container-config", "create-container", "start-container", "read-after", "status"];

    /// <summary>Per pod name: the agent's total and its steps.</summary>
    public static Dictionary<string, (double Total, Dictionary<string, double> Steps)> Parse(string agentOutput, string ns)
    {
        var result = new Dictionary<string, (double, Dictionary<string, double>)>();
        foreach (Match m in StartedLine().Matches(agentOutput))
        {
            if (m.Groups["ns"].Value != ns) continue;
            var steps = new Dictionary<string, double>();
            foreach (var pair in m.Groups["steps"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (pair.Split('=') is [var step, var ms] && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    steps[step] = v;
            result[m.Groups["pod"].Value] = (double.Parse(m.Groups["total"].Value, CultureInfo.InvariantCulture), steps);
        }
        return result;
    }

    /// <summary>Median per step over the pods given (missing steps count as 0), in <see cref="Order"/>.</summary>
    public static List<(string Step, double Ms)> Medians(IEnumerable<Dictionary<string, double>> pods)
    {
        var list = pods.ToList();
        var names = Order.Concat(list.SelectMany(p => p.Keys)).Distinct().Where(s => list.Any(p => p.ContainsKey(s)));
        return names.Select(s => (s, Stats.Median(list.Select(p => p.GetValueOrDefault(s))))).ToList();
    }

    public static string Format(IEnumerable<(string Step, double Ms)> steps) =>
        string.Join(", ", steps.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Step} {s.Ms:0.#}")));

    [GeneratedRegex(@"Pod (?<ns>[^/\s]+)/(?<pod>\S+) started in (?<total>[0-9.]+) ms: (?<steps>[^\r\n]*)")]
    private static partial Regex StartedLine();
}
