using Prometheus;

namespace Bosun.ApiServer;

/// <summary>The server's Prometheus metrics, named after kube-apiserver's where the idea is the same.</summary>
internal static class Metrics
{
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    public static readonly Counter Requests = Prometheus.Metrics.CreateCounter(
        "apiserver_request_total", "API requests by verb, group, resource and HTTP code.",
        new CounterConfiguration { LabelNames = ["verb", "group", "resource", "code"] });

    public static readonly Histogram RequestDuration = Prometheus.Metrics.CreateHistogram(
        "apiserver_request_duration_seconds", "API request latency by verb, group and resource (watches excluded).",
        new HistogramConfiguration { LabelNames = ["verb", "group", "resource"], Buckets = LatencyBuckets });

    public static readonly Histogram StorageDuration = Prometheus.Metrics.CreateHistogram(
        "bosun_storage_operation_duration_seconds", "Storage operation latency by operation.",
        new HistogramConfiguration { LabelNames = ["operation"], Buckets = LatencyBuckets });

    public static readonly Gauge Watchers = Prometheus.Metrics.CreateGauge(
        "apiserver_registered_watchers", "Watchers currently served from the watch cache.");
}
