using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;
using Microsoft.Extensions.Logging;
using static Bosun.Controllers.EndpointSlices.EndpointsPlan;

namespace Bosun.Controllers.EndpointSlices;

/// <summary>
/// Publishes, for every Service with a selector, the pods behind it: the core/v1 <c>Endpoints</c> object of the same
/// name (ready pods as addresses, others as notReadyAddresses) and <c>EndpointSlices</c> labelled with the service
/// name (readiness as conditions). Both are removed when the Service goes.
/// </summary>
/// <remarks>
/// Upstream runs these as two controllers; here one reconcile computes the pod set once and writes both views of it,
/// so they can never disagree. Services without a selector are left alone: their endpoints belong to the user.
/// </remarks>
internal sealed partial class EndpointsController : IController
{
    private readonly ControllerContext context;
    private readonly Informer<V1Service> services;
    private readonly Informer<V1Pod> pods;
    private readonly Informer<V1Endpoints> endpoints;
    private readonly Informer<V1EndpointSlice> slices;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ILogger logger;

    public EndpointsController(ControllerContext context)
    {
        this.context = context;
        services = context.Informers.For<V1Service>();
        pods = context.Informers.For<V1Pod>();
        endpoints = context.Informers.For<V1Endpoints>();
        slices = context.Informers.For<V1EndpointSlice>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        logger = context.Loggers.CreateLogger<EndpointsController>();
    }

    public string Name => "endpoints";

    public void Register(ControllerHost host)
    {
        services.On(added: s => queue.Add(ObjectKey.Of(s)), updated: (_, s) => queue.Add(ObjectKey.Of(s)), deleted: s => queue.Add(ObjectKey.Of(s)));
        pods.On(added: PodChanged, updated: (old, pod) => { PodChanged(old); PodChanged(pod); }, deleted: PodChanged);
        // Someone else changed or removed what we publish: put it back.
        endpoints.On(updated: (_, e) => queue.Add(ObjectKey.Of(e)), deleted: e => queue.Add(ObjectKey.Of(e)));
        slices.On(updated: (_, s) => SliceChanged(s), deleted: SliceChanged);
        host.AddInformer(services).AddInformer(pods).AddInformer(endpoints).AddInformer(slices).AddController(this, queue, workers: 2);
    }

    private void PodChanged(V1Pod pod)
    {
        foreach (var s in services.List(pod.Metadata.NamespaceProperty ?? ""))
        {
            if (s.Spec?.Selector is { Count: > 0 } sel && sel.All(kv => pod.Metadata.Labels?.TryGetValue(kv.Key, out var v) == true && v == kv.Value))
                queue.Add(ObjectKey.Of(s));
        }
    }

    private void SliceChanged(V1EndpointSlice slice)
    {
        if (slice.Metadata.Labels?.TryGetValue(ServiceNameLabel, out var svc) == true)
            queue.Add(new ObjectKey(slice.Metadata.NamespaceProperty ?? "", svc));
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        var ours = slices.List(key.Namespace).Where(s => Label(s, ServiceNameLabel) == key.Name && Label(s, ManagedByLabel) == ManagedBy).ToList();
        if (!services.TryGet(key, out var service))
        {
            if (endpoints.Get(key.Namespace, key.Name) is not null) await context.Api.DeleteAsync<V1Endpoints>(key.Namespace, key.Name, ct);
            foreach (var slice in ours) await context.Api.DeleteAsync<V1EndpointSlice>(key.Namespace, slice.Metadata.Name, ct);
            return ReconcileResult.Done;
        }
        // No selector (or an ExternalName alias): whoever made the Service manages its endpoints.
        if (service.Spec?.Selector is not { Count: > 0 } || service.Spec.Type == "ExternalName") return ReconcileResult.Done;

        var backing = Resolve(service, pods.List(key.Namespace));
        await SyncEndpointsAsync(service, backing, ct);
        await SyncSlicesAsync(service, backing, ours, ct);
        return ReconcileResult.Done;
    }

    private static string? Label(V1EndpointSlice s, string key) => s.Metadata.Labels is { } l && l.TryGetValue(key, out var v) ? v : null;

    private async Task SyncEndpointsAsync(V1Service service, List<PodEndpoint> backing, CancellationToken ct)
    {
        var ns = service.Metadata.NamespaceProperty;
        var labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>());
        if (service.Spec?.ClusterIP == "None") labels["service.kubernetes.io/headless"] = "";
        // We publish the slices ourselves; the mirroring controller must not copy these Endpoints into more slices.
        labels["endpointslice.kubernetes.io/skip-mirror"] = "true";
        var subsets = Subsets(service, backing);
        var current = endpoints.Get(ns, service.Metadata.Name);
        if (current is not null && Objects.SemanticEquals(current.Subsets ?? [], subsets) && Objects.SemanticEquals(current.Metadata.Labels ?? new Dictionary<string, string>(), labels))
            return;
        if (current is null)
        {
            try
            {
                await context.Api.CreateAsync(ns, new V1Endpoints
                {
                    ApiVersion = "v1",
                    Kind = "Endpoints",
                    Metadata = new V1ObjectMeta { Name = service.Metadata.Name, NamespaceProperty = ns, Labels = labels },
                    Subsets = subsets,
                }, ct);
            }
            catch (ApiException e) when (e.IsAlreadyExists)
            {
                throw new InvalidOperationException($"endpoints {ns}/{service.Metadata.Name} exist but are not cached yet; retrying", e);
            }
            return;
        }
        var copy = Objects.Clone(current);
        copy.Subsets = subsets;
        copy.Metadata.Labels = labels;
        await context.Api.UpdateAsync(ns, copy.Metadata.Name, copy, ct);
        Log.Updated(logger, ns ?? "", service.Metadata.Name, backing.Count(e => e.Ready), backing.Count(e => !e.Ready));
    }

    /// <summary>
    /// Reuses existing slices with the same address type and ports (updating only those whose content differs),
    /// creates the rest and deletes leftovers, so a steady Service causes no writes.
    /// </summary>
    private async Task SyncSlicesAsync(V1Service service, List<PodEndpoint> backing, List<V1EndpointSlice> ours, CancellationToken ct)
    {
        var ns = service.Metadata.NamespaceProperty;
        var labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>())
        {
            [ServiceNameLabel] = service.Metadata.Name,
            [ManagedByLabel] = ManagedBy,
        };
        var wanted = Slices(backing);
        // A Service with no ready pods still gets one (empty) slice, as upstream keeps a placeholder.
        if (wanted.Count == 0) wanted.Add(new SliceSpec("IPv4", [], []));
        var unused = ours.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal).ToList();
        foreach (var want in wanted)
        {
            var ports = SlicePorts(want.Ports);
            var match = unused.FirstOrDefault(s => s.AddressType == want.AddressType && Objects.SemanticEquals(s.Ports ?? [], ports));
            if (match is null)
            {
                await context.Api.CreateAsync(ns, new V1EndpointSlice
                {
                    ApiVersion = "discovery.k8s.io/v1",
                    Kind = "EndpointSlice",
                    Metadata = new V1ObjectMeta
                    {
                        GenerateName = service.Metadata.Name + "-",
                        NamespaceProperty = ns,
                        Labels = labels,
                        OwnerReferences = [Objects.ControllerRef(service, "v1", "Service")],
                    },
                    AddressType = want.AddressType,
                    Endpoints = want.Endpoints,
                    Ports = ports,
                }, ct);
                continue;
            }
            unused.Remove(match);
            if (Objects.SemanticEquals(match.Endpoints ?? [], want.Endpoints) && Objects.SemanticEquals(match.Metadata.Labels, labels)) continue;
            var copy = Objects.Clone(match);
            copy.Endpoints = want.Endpoints;
            copy.Metadata.Labels = labels;
            await context.Api.UpdateAsync(ns, copy.Metadata.Name, copy, ct);
        }
        foreach (var stale in unused) await context.Api.DeleteAsync<V1EndpointSlice>(ns, stale.Metadata.Name, ct);
    }

    /// <summary>This controller's log messages.</summary>
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Endpoints {Namespace}/{Service}: {Ready} ready, {NotReady} not ready")]
        public static partial void Updated(ILogger logger, string @namespace, string service, int ready, int notReady);
    }
}
