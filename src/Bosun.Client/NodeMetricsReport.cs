using System.Text.Json.Serialization;

namespace Bosun.Client;

/// <summary>
/// What a node agent (real or simulated) sends to <c>PUT /apis/bosun.dev/v1/nodemetrics/{node}</c> every scrape: its
/// latest usage and that of its pods, served back through <c>metrics.k8s.io/v1beta1</c> (docs/metrics.md). Quantities
/// are Kubernetes quantity strings (<c>250m</c>, <c>64Mi</c>); a report replaces the node's previous one.
/// </summary>
public sealed record NodeMetricsReport(
    [property: JsonPropertyName("timestamp")] DateTime? Timestamp,
    [property: JsonPropertyName("window")] string? Window,
    [property: JsonPropertyName("usage")] IReadOnlyDictionary<string, string>? Usage,
    [property: JsonPropertyName("pods")] IReadOnlyList<PodMetricsReport> Pods);

/// <summary>One pod in a <see cref="NodeMetricsReport"/>.</summary>
public sealed record PodMetricsReport(
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("containers")] IReadOnlyList<ContainerMetricsReport> Containers);

/// <summary>One container's usage: <c>cpu</c> and <c>memory</c>.</summary>
public sealed record ContainerMetricsReport(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("usage")] IReadOnlyDictionary<string, string> Usage);
