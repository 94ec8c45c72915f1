using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Registry;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.ResourceMetrics;

/// <summary>
/// The resource metrics API (<c>metrics.k8s.io/v1beta1</c>, what metrics-server serves and <c>kubectl top</c> and the HPA
/// read): computed, read-only <c>pods</c> and <c>nodes</c> from the <see cref="MetricsStore"/>, plus Bosun's write path
/// for node agents, <c>PUT /apis/bosun.dev/v1/nodemetrics/{node}</c> (not in discovery):
/// <code>{"timestamp":"2026-…Z","window":"15s","usage":{"cpu":"250m","memory":"1Gi"},
///  "pods":[{"namespace":"default","name":"web-1","containers":[{"name":"app","usage":{"cpu":"200m","memory":"64Mi"}}]}]}</code>
/// Simulated pods need no report: a Running pod on a node labelled <c>type=simulated</c> that has no reported sample
/// reads its usage from the <c>sim.bosun.dev/usage: "cpu=200m,memory=64Mi"</c> annotation (split evenly over its
/// containers), and such a node without a report sums its pods' annotations.
/// </summary>
internal sealed class MetricsApi(ResourceCatalog catalog, MetricsStore store, TimeProvider time)
{
    public const string Group = "metrics.k8s.io";
    public const string Version = "v1beta1";
    public const string ReportPrefix = "/apis/bosun.dev/v1/nodemetrics/";
    public const string UsageAnnotation = "sim.bosun.dev/usage";
    private static readonly TimeSpan SimulatedWindow = TimeSpan.FromSeconds(15);
    private static readonly string[] ReadVerbs = ["get", "list"];

    /// <summary>The discovery entries (get and list only: no watch, so kubectl never tries one).</summary>
    public static IEnumerable<ResourceRegistration> Registrations() =>
    [
        new ResourceRegistration
        {
            Group = Group, Version = Version, Resource = "nodes", Kind = "NodeMetrics", Namespaced = false,
            ModelType = typeof(NodeMetrics), ListModelType = typeof(NodeMetrics), Verbs = ReadVerbs, Singular = "",
        },
        new ResourceRegistration
        {
            Group = Group, Version = Version, Resource = "pods", Kind = "PodMetrics", Namespaced = true,
            ModelType = typeof(PodMetrics), ListModelType = typeof(PodMetricsList), Verbs = ReadVerbs, Singular = "",
        },
    ];

    public static bool Handles(string path) =>
        path.StartsWith("/apis/" + Group + "/" + Version + "/", StringComparison.Ordinal) || path.StartsWith(ReportPrefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext ctx, string path)
    {
        var ct = ctx.RequestAborted;
        if (path.StartsWith(ReportPrefix, StringComparison.Ordinal))
        {
            var node = path[ReportPrefix.Length..];
            if (node.Length == 0 || node.Contains('/')) throw NotFound();
            if (ctx.Request.Method != "PUT") throw ApiException.MethodNotAllowed(ctx.Request.Method, "nodemetrics");
            store.Report(ParseReport(node, await RequestBody.ReadObjectAsync(ctx.Request, ct)));
            await WriteAsync(ctx, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success" });
            return;
        }
        if (ctx.Request.Method != "GET") throw ApiException.MethodNotAllowed(ctx.Request.Method, "metrics");
        if (ctx.Request.Query["watch"] is { Count: > 0 } w && w[0] is "true" or "1") throw ApiException.MethodNotAllowed("watch", "metrics");
        var selector = LabelSelector.TryParse(ctx.Request.Query["labelSelector"].ToString(), out var s, out var error)
            ? s : throw ApiException.BadRequest($"unable to parse requirement: {error}");
        var parts = path[("/apis/" + Group + "/" + Version + "/").Length..].Split('/');
        switch (parts)
        {
            case ["nodes"]:
                await WriteListAsync(ctx, "NodeMetricsList", await NodeMetricsAsync(null, selector, ct));
                break;
            case ["nodes", var name]:
                await WriteAsync(ctx, (await NodeMetricsAsync(name, LabelSelector.Everything, ct)).SingleOrDefault()
                    ?? throw ApiException.NotFound(Group, "nodes", name));
                break;
            case ["pods"]:
                await WriteListAsync(ctx, "PodMetricsList", await PodMetricsAsync(null, null, selector, ct));
                break;
            case ["namespaces", var ns, "pods"]:
                await WriteListAsync(ctx, "PodMetricsList", await PodMetricsAsync(ns, null, selector, ct));
                break;
            case ["namespaces", var ns, "pods", var name]:
                await WriteAsync(ctx, (await PodMetricsAsync(ns, name, LabelSelector.Everything, ct)).SingleOrDefault()
                    ?? throw ApiException.NotFound(Group, "pods", name));
                break;
            default:
                throw NotFound();
        }
    }

    private static ApiException NotFound() => new(404, "NotFound", "the server could not find the requested resource");

    private async Task<List<JsonObject>> NodeMetricsAsync(string? only, LabelSelector selector, CancellationToken ct)
    {
        var nodes = (await catalog.Get("", "v1", "nodes").ListAsync(null, new ListOptions(), ct)).Items
            .ToDictionary(n => n.Obj("metadata").Str("name") ?? "", StringComparer.Ordinal);
        var samples = store.Nodes().ToDictionary(n => n.Name, StringComparer.Ordinal);
        // Simulated nodes without a report: the sum of their pods' annotated usage.
        List<PodSample>? simulatedPods = null;
        foreach (var (name, node) in nodes)
        {
            if (samples.ContainsKey(name) || !IsSimulated(node)) continue;
            simulatedPods ??= await SimulatedPodsAsync(null, ct);
            var pods = simulatedPods.Where(p => p.Node == name).ToList();
            samples[name] = new NodeSample(name, Now(), SimulatedWindow, pods.Sum(p => p.Containers.Sum(c => c.Cpu)), pods.Sum(p => p.Containers.Sum(c => c.Memory)));
        }
        var result = new List<JsonObject>();
        foreach (var sample in samples.Values.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            if (only is not null && sample.Name != only) continue;
            var labels = nodes.TryGetValue(sample.Name, out var node) ? node.Obj("metadata").Obj("labels") : null;
            if (!selector.Matches(labels)) continue;
            result.Add(new JsonObject
            {
                ["kind"] = "NodeMetrics",
                ["apiVersion"] = Group + "/" + Version,
                ["metadata"] = Metadata(sample.Name, null, labels),
                ["timestamp"] = Timestamp(sample.Timestamp),
                ["window"] = Duration(sample.Window),
                ["usage"] = Usage(sample.Cpu, sample.Memory),
            });
        }
        return result;
    }

    private async Task<List<JsonObject>> PodMetricsAsync(string? ns, string? only, LabelSelector selector, CancellationToken ct)
    {
        var pods = (await catalog.Get("", "v1", "pods").ListAsync(ns, new ListOptions(), ct)).Items;
        var samples = store.Pods();
        var simulated = await SimulatedNodesAsync(ct);
        var result = new List<JsonObject>();
        foreach (var pod in pods)
        {
            var meta = pod.Obj("metadata");
            var (podNs, name) = (meta.Str("namespace") ?? "", meta.Str("name") ?? "");
            if (only is not null && name != only) continue;
            if (!selector.Matches(meta.Obj("labels"))) continue;
            var sample = samples.GetValueOrDefault((podNs, name)) ?? Simulated(pod, simulated);
            if (sample is null) continue;
            result.Add(new JsonObject
            {
                ["kind"] = "PodMetrics",
                ["apiVersion"] = Group + "/" + Version,
                ["metadata"] = Metadata(name, podNs, meta.Obj("labels")),
                ["timestamp"] = Timestamp(sample.Timestamp),
                ["window"] = Duration(sample.Window),
                ["containers"] = new JsonArray(sample.Containers.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Name,
                    ["usage"] = Usage(c.Cpu, c.Memory),
                }).ToArray()),
            });
        }
        return result;
    }

    private async Task<List<PodSample>> SimulatedPodsAsync(string? ns, CancellationToken ct)
    {
        var simulated = await SimulatedNodesAsync(ct);
        var pods = (await catalog.Get("", "v1", "pods").ListAsync(ns, new ListOptions(), ct)).Items;
        return pods.Select(p => Simulated(p, simulated)).OfType<PodSample>().ToList();
    }

    private async Task<HashSet<string>> SimulatedNodesAsync(CancellationToken ct) =>
        (await catalog.Get("", "v1", "nodes").ListAsync(null, new ListOptions(), ct)).Items
            .Where(IsSimulated).Select(n => n.Obj("metadata").Str("name") ?? "").ToHashSet(StringComparer.Ordinal);

    private static bool IsSimulated(JsonObject node) => node.Obj("metadata").Obj("labels").Str("type") == "simulated";

    /// <summary>A Running pod on a simulated node, with the usage annotation: its usage split evenly over its containers.</summary>
    private PodSample? Simulated(JsonObject pod, HashSet<string> simulatedNodes)
    {
        var meta = pod.Obj("metadata");
        var node = pod.Obj("spec").Str("nodeName");
        if (node is null || !simulatedNodes.Contains(node) || pod.Obj("status").Str("phase") != "Running") return null;
        if (meta.Obj("annotations").Str(UsageAnnotation) is not { } annotation || !TryParseUsage(annotation, out var cpu, out var memory)) return null;
        var containers = (pod.Obj("spec").Arr("containers") ?? []).OfType<JsonObject>().Select(c => c.Str("name") ?? "").ToList();
        if (containers.Count == 0) return null;
        return new PodSample(meta.Str("namespace") ?? "", meta.Str("name") ?? "", node, Now(), SimulatedWindow,
            containers.Select(c => new ContainerUsage(c, cpu / containers.Count, Math.Floor(memory / containers.Count))).ToList());
    }

    /// <summary>Parses <c>cpu=200m,memory=64Mi</c> (either part may be missing: zero).</summary>
    internal static bool TryParseUsage(string text, out decimal cpu, out decimal memory)
    {
        cpu = 0;
        memory = 0;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || !TryQuantity(kv[1], out var value)) return false;
            switch (kv[0])
            {
                case "cpu": cpu = value; break;
                case "memory": memory = value; break;
                default: return false;
            }
        }
        return true;
    }

    private static bool TryQuantity(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        try
        {
            value = new ResourceQuantity(text).ToDecimal();
            return value >= 0;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    private NodeReport ParseReport(string node, JsonObject body)
    {
        var now = Now();
        var timestamp = body.Str("timestamp") is { } ts && DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : now;
        var window = ParseDuration(body.Str("window")) ?? SimulatedWindow;
        var (cpu, memory) = ReadUsage(body.Obj("usage"), "usage");
        var pods = new List<PodSample>();
        foreach (var (p, i) in (body.Arr("pods") ?? []).OfType<JsonObject>().Select((p, i) => (p, i)))
        {
            var ns = p.Str("namespace");
            var name = p.Str("name");
            if (string.IsNullOrEmpty(ns) || string.IsNullOrEmpty(name)) throw ApiException.BadRequest($"pods[{i}]: namespace and name are required");
            var containers = (p.Arr("containers") ?? []).OfType<JsonObject>().Select(c =>
            {
                var (ccpu, cmem) = ReadUsage(c.Obj("usage"), $"pods[{i}].containers.usage");
                return new ContainerUsage(c.Str("name") ?? throw ApiException.BadRequest($"pods[{i}].containers: name is required"), ccpu, cmem);
            }).ToList();
            pods.Add(new PodSample(ns, name, node, timestamp, window, containers));
        }
        // No node usage given: the sum of its pods.
        if (body.Obj("usage") is null)
            (cpu, memory) = (pods.Sum(p => p.Containers.Sum(c => c.Cpu)), pods.Sum(p => p.Containers.Sum(c => c.Memory)));
        return new NodeReport(new NodeSample(node, timestamp, window, cpu, memory), pods);
    }

    private static (decimal Cpu, decimal Memory) ReadUsage(JsonObject? usage, string field)
    {
        decimal cpu = 0, memory = 0;
        if (usage?.Str("cpu") is { } c && !TryQuantity(c, out cpu)) throw ApiException.BadRequest($"{field}.cpu: invalid quantity \"{c}\"");
        if (usage?.Str("memory") is { } m && !TryQuantity(m, out memory)) throw ApiException.BadRequest($"{field}.memory: invalid quantity \"{m}\"");
        return (cpu, memory);
    }

    private static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (text.EndsWith("ms", StringComparison.Ordinal) && double.TryParse(text[..^2], CultureInfo.InvariantCulture, out var ms)) return TimeSpan.FromMilliseconds(ms);
        if (text.EndsWith('s') && double.TryParse(text[..^1], CultureInfo.InvariantCulture, out var s)) return TimeSpan.FromSeconds(s);
        if (text.EndsWith('m') && double.TryParse(text[..^1], CultureInfo.InvariantCulture, out var m)) return TimeSpan.FromMinutes(m);
        throw ApiException.BadRequest($"window: invalid duration \"{text}\"");
    }

    private DateTimeOffset Now()
    {
        var t = time.GetUtcNow();
        return new DateTimeOffset(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    private JsonObject Metadata(string name, string? ns, JsonObject? labels)
    {
        var meta = new JsonObject { ["name"] = name };
        if (ns is not null) meta["namespace"] = ns;
        meta["creationTimestamp"] = Timestamp(Now());
        if (labels is not null) meta["labels"] = labels.DeepClone();
        return meta;
    }

    private JsonObject List(string kind, List<JsonObject> items) => new()
    {
        ["kind"] = kind,
        ["apiVersion"] = Group + "/" + Version,
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
    };

    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Go's duration format for whole seconds and milliseconds ("15s", "1m0s", "500ms").</summary>
    internal static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.FromSeconds(1)) return $"{(long)d.TotalMilliseconds}ms";
        var seconds = (long)d.TotalSeconds;
        return seconds < 60 ? $"{seconds}s" : seconds < 3600 ? $"{seconds / 60}m{seconds % 60}s" : $"{seconds / 3600}h{seconds / 60 % 60}m{seconds % 60}s";
    }

    /// <summary>metrics-server's formats: CPU in nanocores when not whole millicores ("1234567n", else "250m"), memory in Ki when divisible.</summary>
    private static JsonObject Usage(decimal cpu, decimal memory) => new() { ["cpu"] = Cpu(cpu), ["memory"] = Memory(memory) };

    internal static string Cpu(decimal cores)
    {
        var nano = decimal.Round(cores * 1_000_000_000m);
        return nano % 1_000_000m == 0 ? $"{nano / 1_000_000m:0}m" : $"{nano:0}n";
    }

    internal static string Memory(decimal bytes)
    {
        var b = decimal.Round(bytes);
        return b % 1024 == 0 ? $"{b / 1024:0}Ki" : $"{b:0}";
    }

    /// <summary>A list, or for <c>kubectl get podmetrics</c> (Accept: …;as=Table) the default Table (name, age).</summary>
    private Task WriteListAsync(HttpContext ctx, string kind, List<JsonObject> items)
    {
        if (!ResponseWriter.WantsTable(ctx.Request)) return WriteAsync(ctx, List(kind, items));
        var table = Tables.TableWriter.Write(Tables.TableConvertors.Default, items, new Tables.TableListMeta(""),
            ResponseWriter.IncludeObject(ctx), time.GetUtcNow());
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = ResponseWriter.TableContentType;
        ctx.Response.ContentLength = table.Length;
        return ctx.Response.Body.WriteAsync(table, ctx.RequestAborted).AsTask();
    }

    private static Task WriteAsync(HttpContext ctx, JsonObject body)
    {
        var bytes = Json.ToBytes(body);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = bytes.Length;
        return ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).AsTask();
    }
}
