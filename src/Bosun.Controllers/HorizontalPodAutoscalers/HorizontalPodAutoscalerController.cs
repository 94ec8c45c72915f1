using Bosun.Api;
using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers.HorizontalPodAutoscalers;

/// <summary>
/// Scales workloads by resource usage (autoscaling/v2 HorizontalPodAutoscalers, as kube-controller-manager's podautoscaler):
/// every 15 s reads the target's <c>scale</c> subresource and its pods' usage from the metrics API, computes the desired
/// count per metric (<see cref="ReplicaCalculator"/>, the largest wins), stabilizes and rate-limits it
/// (<see cref="ScalingNormalizer"/>), writes the scale and reports status, conditions and <c>SuccessfulRescale</c> events.
/// Only <c>Resource</c> metrics (cpu, memory; Utilization or AverageValue) are supported; other metric types are reported
/// as invalid. Recommendations and scale events live in memory, as upstream's do, so a restart forgets them.
/// </summary>
internal sealed partial class HorizontalPodAutoscalerController : IController
{
    public static readonly TimeSpan Resync = TimeSpan.FromSeconds(15);

    private readonly ControllerContext context;
    private readonly Informer<V2HorizontalPodAutoscaler> hpas;
    private readonly Informer<V1Pod> pods;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, ScalingHistory> histories = [];

    public HorizontalPodAutoscalerController(ControllerContext context)
    {
        this.context = context;
        hpas = context.Informers.For<V2HorizontalPodAutoscaler>();
        pods = context.Informers.For<V1Pod>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        logger = context.Loggers.CreateLogger<HorizontalPodAutoscalerController>();
    }

    public string Name => "horizontalpodautoscaler";

    public void Register(ControllerHost host)
    {
        // Spec changes sync at once; the controller's own status writes do not (upstream rate-limits to one sync per resync period).
        hpas.On(added: h => queue.Add(ObjectKey.Of(h)), updated: (old, h) =>
        {
            if (old.Metadata.Generation != h.Metadata.Generation) queue.Add(ObjectKey.Of(h));
        }, deleted: h =>
        {
            lock (gate) histories.Remove(h.Metadata.Uid ?? "");
        });
        host.AddInformer(hpas).AddInformer(pods).AddController(this, queue);
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!hpas.TryGet(key, out var cached) || cached.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var hpa = Objects.Clone(cached);
        var before = Objects.Canonical(hpa.Status);
        hpa.Status ??= new V2HorizontalPodAutoscalerStatus();
        try
        {
            await SyncAsync(hpa, ct);
        }
        finally
        {
            hpa.Status.ObservedGeneration = hpa.Metadata.Generation;
            if (Objects.Canonical(hpa.Status) != before)
            {
                try { await context.Api.UpdateStatusAsync(key.Namespace, key.Name, hpa, ct); }
                catch (ApiException e) when (e.IsNotFound || e.Code == 409) { }   // gone, or changed: the next sync writes it
            }
        }
        return ReconcileResult.After(Resync);
    }

    private async Task SyncAsync(V2HorizontalPodAutoscaler hpa, CancellationToken ct)
    {
        var ns = hpa.Metadata.NamespaceProperty ?? "";
        var spec = hpa.Spec;
        var now = context.Time.GetUtcNow();
        var reference = $"{spec.ScaleTargetRef.Kind}/{spec.ScaleTargetRef.Name}";
        var scalePath = ScalePath(ns, spec.ScaleTargetRef);
        V1Scale scale;
        try
        {
            scale = await context.Api.GetPathAsync<V1Scale>(scalePath, ct);
        }
        catch (ApiException e)
        {
            var message = $"the HPA controller was unable to get the target's current scale: {e.Message}";
            context.Events.Record(hpa, EventRecorder.Warning, "FailedGetScale", e.Message);
            SetCondition(hpa, "AbleToScale", "False", "FailedGetScale", message);
            return;
        }
        SetCondition(hpa, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale");
        var current = scale.Spec?.Replicas ?? 0;
        hpa.Status.CurrentReplicas = current;   // upstream reports the scale's spec.replicas here
        var minReplicas = spec.MinReplicas ?? 1;
        var maxReplicas = spec.MaxReplicas;
        var history = History(hpa);
        // Upstream's recordInitialRecommendation: the first sync counts the current size as a recommendation.
        lock (gate) if (history.Recommendations.Count == 0) history.Recommendations.Add((now, current));

        int desired;
        string reason;
        if (current == 0 && minReplicas != 0)
        {
            // Scaling is off while the target is scaled to zero by hand.
            hpa.Status.DesiredReplicas = 0;
            hpa.Status.CurrentMetrics = null;
            SetCondition(hpa, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
            return;
        }
        if (current > maxReplicas)
        {
            (desired, reason) = (maxReplicas, "Current number of replicas above Spec.MaxReplicas");
        }
        else if (current < minReplicas)
        {
            (desired, reason) = (minReplicas, "Current number of replicas below Spec.MinReplicas");
        }
        else
        {
            int proposed;
            string metricName;
            try
            {
                (proposed, metricName) = await ComputeAsync(hpa, ns, current, scale.Status?.Selector, ct);
            }
            catch (MetricException e)
            {
                hpa.Status.DesiredReplicas = current;
                context.Events.Record(hpa, EventRecorder.Warning, "FailedGetResourceMetric", e.Message);
                SetCondition(hpa, "ScalingActive", "False", "FailedGetResourceMetric", $"the HPA was unable to compute the replica count: {e.Message}");
                return;
            }
            SetCondition(hpa, "ScalingActive", "True", "ValidMetricFound", $"the HPA was able to successfully calculate a replica count from {metricName}");
            var normalized = ScalingNormalizer.Normalize(ScalingBehavior.From(spec.Behavior), history, now, current, proposed, minReplicas, maxReplicas);
            SetCondition(hpa, "AbleToScale", "True", normalized.AbleReason, normalized.AbleMessage);
            SetCondition(hpa, "ScalingLimited", normalized.Limited ? "True" : "False", normalized.LimitedReason, normalized.LimitedMessage);
            desired = normalized.Replicas;
            reason = desired > current ? $"{metricName} above target" : "All metrics below target";
        }

        hpa.Status.DesiredReplicas = desired;
        if (desired == current) return;
        scale.Spec ??= new V1ScaleSpec();
        scale.Spec.Replicas = desired;
        try
        {
            await context.Api.PutPathAsync<V1Scale>(scalePath, scale, ct);
        }
        catch (ApiException e)
        {
            context.Events.Record(hpa, EventRecorder.Warning, "FailedRescale", $"New size: {desired}; reason: {reason}; error: {e.Message}");
            SetCondition(hpa, "AbleToScale", "False", "FailedUpdateScale", $"the HPA controller was unable to update the target scale: {e.Message}");
            return;
        }
        lock (gate) history.RecordScale(now, current, desired);
        SetCondition(hpa, "AbleToScale", "True", "SucceededRescale", $"the HPA controller was able to update the target scale to {desired}");
        context.Events.Record(hpa, EventRecorder.Normal, "SuccessfulRescale", $"New size: {desired}; reason: {reason}");
        Log.Rescaled(logger, ns, hpa.Metadata.Name, reference, current, desired, reason);
        hpa.Status.LastScaleTime = Second(now);
    }

    /// <summary>The largest proposal over the metrics, with that metric's name; current values go into status.</summary>
    private async Task<(int Replicas, string Metric)> ComputeAsync(V2HorizontalPodAutoscaler hpa, string ns, int current, string? selectorText, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(selectorText)) throw new MetricException("the scale target has no selector");
        var selector = LabelSelector.TryParse(selectorText, out var s) ? s : throw new MetricException($"invalid selector {selectorText}");
        var targets = (hpa.Spec.Metrics ?? []).Select(Target).ToList();
        if (targets.Count == 0) targets.Add(new ResourceTarget("cpu", 80, null));   // the server defaults this; be safe
        PodMetricsList metrics;
        try
        {
            metrics = await context.Api.GetPathAsync<PodMetricsList>(
                $"/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods?labelSelector={Uri.EscapeDataString(selectorText)}", ct);
        }
        catch (ApiException e)
        {
            throw new MetricException($"unable to get metrics for resource {targets[0].Resource}: unable to fetch metrics from resource metrics API: {e.Message}");
        }
        var selected = pods.List(ns).Where(p => selector.Matches(p.Metadata.Labels?.AsReadOnly())).ToList();
        var statuses = new List<V2MetricStatus>();
        (int Replicas, string Metric)? best = null;
        foreach (var target in targets)
        {
            var usage = (metrics.Items ?? []).ToDictionary(m => m.Metadata?.Name ?? "",
                m => (m.Containers ?? []).Sum(c => c.Usage is { } u && u.TryGetValue(target.Resource, out var q) ? Quantity(q) : 0m));
            var inputs = selected.Select(p => new PodInput(p.Metadata.Name, p.Status?.Phase ?? "Pending", Pods.IsReady(p),
                p.Metadata.DeletionTimestamp is not null, Request(p, target.Resource))).ToList();
            var proposal = ReplicaCalculator.Calculate(current, target, inputs, usage);
            statuses.Add(new V2MetricStatus
            {
                Type = "Resource",
                Resource = new V2ResourceMetricStatus
                {
                    Name = target.Resource,
                    Current = new V2MetricValueStatus { AverageUtilization = proposal.Utilization, AverageValue = Format(target.Resource, proposal.AverageValue) },
                },
            });
            if (best is null || proposal.Replicas > best.Value.Replicas) best = (proposal.Replicas, target.Description);
        }
        hpa.Status.CurrentMetrics = statuses;
        return best!.Value;
    }

    private static ResourceTarget Target(V2MetricSpec metric)
    {
        if (metric.Type != "Resource" || metric.Resource is null)
            throw new MetricException($"metric type {metric.Type} is not supported (only Resource metrics)");
        var t = metric.Resource.Target;
        return t?.Type switch
        {
            "Utilization" when t.AverageUtilization is > 0 => new ResourceTarget(metric.Resource.Name, t.AverageUtilization, null),
            "AverageValue" when t.AverageValue is { } v && Quantity(v) > 0 => new ResourceTarget(metric.Resource.Name, null, Quantity(v)),
            _ => throw new MetricException($"invalid target for {metric.Resource.Name}: {t?.Type}"),
        };
    }

    private static decimal? Request(V1Pod pod, string resource)
    {
        decimal total = 0;
        foreach (var c in pod.Spec?.Containers ?? [])
        {
            if (c.Resources?.Requests is not { } requests || !requests.TryGetValue(resource, out var q)) return null;
            total += Quantity(q);
        }
        return total;
    }

    private static decimal Quantity(ResourceQuantity q) => q.ToDecimal();

    private static ResourceQuantity Format(string resource, decimal value) => resource == "cpu"
        ? new ResourceQuantity($"{decimal.Round(value * 1000m)}m")
        : new ResourceQuantity($"{decimal.Round(value)}");

    /// <summary><c>/apis/apps/v1/namespaces/ns/deployments/x/scale</c> for the usual kinds; other kinds pluralize naively.</summary>
    internal static string ScalePath(string ns, V2CrossVersionObjectReference target)
    {
        var resource = target.Kind switch
        {
            "Deployment" => "deployments",
            "ReplicaSet" => "replicasets",
            "StatefulSet" => "statefulsets",
            "ReplicationController" => "replicationcontrollers",
            _ => target.Kind.ToLowerInvariant() + "s",
        };
        var apiVersion = string.IsNullOrEmpty(target.ApiVersion) ? (target.Kind == "ReplicationController" ? "v1" : "apps/v1") : target.ApiVersion;
        var root = apiVersion.Contains('/') ? $"/apis/{apiVersion}" : $"/api/{apiVersion}";
        return $"{root}/namespaces/{ns}/{resource}/{Uri.EscapeDataString(target.Name)}/scale";
    }

    private ScalingHistory History(V2HorizontalPodAutoscaler hpa)
    {
        lock (gate)
        {
            var uid = hpa.Metadata.Uid ?? ObjectKey.Of(hpa).ToString();
            if (!histories.TryGetValue(uid, out var h)) histories[uid] = h = new ScalingHistory();
            return h;
        }
    }

    private void SetCondition(V2HorizontalPodAutoscaler hpa, string type, string status, string reason, string message)
    {
        var conditions = hpa.Status.Conditions ??= [];
        var existing = conditions.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            // Upstream's order: AbleToScale, ScalingActive, ScalingLimited.
            conditions.Add(new V2HorizontalPodAutoscalerCondition { Type = type, Status = status, Reason = reason, Message = message, LastTransitionTime = Second(context.Time.GetUtcNow()) });
            hpa.Status.Conditions = conditions.OrderBy(c => Array.IndexOf(ConditionOrder, c.Type)).ToList();
            return;
        }
        if (existing.Status != status) existing.LastTransitionTime = Second(context.Time.GetUtcNow());
        existing.Status = status;
        existing.Reason = reason;
        existing.Message = message;
    }

    private static readonly string[] ConditionOrder = ["AbleToScale", "ScalingActive", "ScalingLimited"];

    private static DateTime Second(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "HPA {Namespace}/{Name}: rescaled {Target} from {From} to {To}: {Reason}")]
        public static partial void Rescaled(ILogger logger, string @namespace, string name, string target, int from, int to, string reason);
    }
}
