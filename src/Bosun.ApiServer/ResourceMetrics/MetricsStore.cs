using System.Collections.Concurrent;

namespace Bosun.ApiServer.ResourceMetrics;

/// <summary>One container's usage: CPU in cores, memory in bytes.</summary>
internal sealed record ContainerUsage(string Name, decimal Cpu, decimal Memory);

/// <summary>The latest usage sample of one pod, as its node reported it.</summary>
internal sealed record PodSample(string Namespace, string Name, string Node, DateTimeOffset Timestamp, TimeSpan Window,
    IReadOnlyList<ContainerUsage> Containers);

/// <summary>The latest usage sample of one node.</summary>
internal sealed record NodeSample(string Name, DateTimeOffset Timestamp, TimeSpan Window, decimal Cpu, decimal Memory);

/// <summary>What one node agent reports in one <c>PUT /apis/bosun.dev/v1/nodemetrics/{node}</c>.</summary>
internal sealed record NodeReport(NodeSample Node, IReadOnlyList<PodSample> Pods);

/// <summary>
/// The metrics API's memory (metrics-server's role): the latest sample per node and per pod, never persisted. A node's
/// report replaces everything that node reported before (pods it no longer lists disappear). Samples expire
/// <see cref="Expiry"/> after they were <i>received</i> (the server's clock, so agents' clock skew cannot keep them alive).
/// </summary>
internal sealed class MetricsStore(TimeProvider time)
{
    public static readonly TimeSpan Expiry = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, (NodeReport Report, DateTimeOffset Received)> reports = new(StringComparer.Ordinal);

    public void Report(NodeReport report) => reports[report.Node.Name] = (report, time.GetUtcNow());

    private IEnumerable<NodeReport> Fresh()
    {
        var cutoff = time.GetUtcNow() - Expiry;
        foreach (var (node, entry) in reports)
        {
            if (entry.Received >= cutoff) yield return entry.Report;
            else reports.TryRemove(new KeyValuePair<string, (NodeReport, DateTimeOffset)>(node, entry));
        }
    }

    public IReadOnlyList<NodeSample> Nodes() => Fresh().Select(r => r.Node).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();

    public NodeSample? Node(string name) => Fresh().FirstOrDefault(r => r.Node.Name == name)?.Node;

    /// <summary>Fresh pod samples, keyed by (namespace, name); a pod reported by two nodes keeps the newest.</summary>
    public IReadOnlyDictionary<(string Namespace, string Name), PodSample> Pods()
    {
        var pods = new Dictionary<(string, string), PodSample>();
        foreach (var pod in Fresh().SelectMany(r => r.Pods))
            if (!pods.TryGetValue((pod.Namespace, pod.Name), out var seen) || seen.Timestamp < pod.Timestamp) pods[(pod.Namespace, pod.Name)] = pod;
        return pods;
    }
}
