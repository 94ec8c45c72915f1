namespace Bosun.Agent.Metrics;

/// <summary>What one scrape read: each container's cumulative CPU and working set, and the node's.</summary>
internal sealed record MetricsSample(DateTimeOffset Time, IReadOnlyList<ContainerSample> Containers, NodeSample Node);

/// <summary>One container from CRI <c>ListContainerStats</c>, identified by the pod labels the agent put on it.</summary>
internal sealed record ContainerSample(string Id, string PodNamespace, string PodName, string Container, CumulativeCpu Cpu, ulong WorkingSetBytes);

/// <summary>The node from /proc: cumulative CPU of all cores and memory in use (MemTotal − MemAvailable).</summary>
internal sealed record NodeSample(CumulativeCpu Cpu, ulong WorkingSetBytes);
