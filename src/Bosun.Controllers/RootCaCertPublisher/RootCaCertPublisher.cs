using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;

namespace Bosun.Controllers.RootCaCertPublisher;

/// <summary>
/// Keeps a <c>kube-root-ca.crt</c> ConfigMap with key <c>ca.crt</c> (the cluster CA) in every active namespace, as
/// kube-controller-manager's root-ca-cert-publisher does; the projected service-account volume of every pod reads it.
/// Runs only when the controller manager was given the CA (<c>--root-ca-file</c> upstream).
/// </summary>
internal sealed class RootCaCertPublisher : IController
{
    public const string ConfigMapName = "kube-root-ca.crt";
    public const string Key = "ca.crt";
    private const string DescriptionAnnotation = "kubernetes.io/description";
    private const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

    private readonly ControllerContext context;
    private readonly string caPem;
    private readonly Informer<V1Namespace> namespaces;
    private readonly Informer<V1ConfigMap> configMaps;
    private readonly WorkQueue<ObjectKey> queue;

    public RootCaCertPublisher(ControllerContext context, string caPem)
    {
        this.context = context;
        this.caPem = caPem;
        namespaces = context.Informers.For<V1Namespace>();
        configMaps = context.Informers.For<V1ConfigMap>();
        queue = new WorkQueue<ObjectKey>(context.Time);
    }

    public string Name => "root-ca-cert-publisher";

    public void Register(ControllerHost host)
    {
        namespaces.On(added: n => Enqueue(n.Metadata.Name), updated: (_, n) => Enqueue(n.Metadata.Name));
        configMaps.On(updated: (_, c) => Changed(c), deleted: Changed);
        host.AddInformer(namespaces).AddInformer(configMaps).AddController(this, queue);
    }

    private void Enqueue(string ns) => queue.Add(new ObjectKey(ns, ConfigMapName));

    private void Changed(V1ConfigMap cm)
    {
        if (cm.Metadata.Name == ConfigMapName) Enqueue(cm.Metadata.NamespaceProperty);
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (namespaces.Get(null, key.Namespace) is not { } ns || ns.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var existing = configMaps.Get(key.Namespace, ConfigMapName);
        if (existing is null)
        {
            try
            {
                await context.Api.CreateAsync(key.Namespace, Desired(key.Namespace), ct);
            }
            catch (ApiException e) when (e.IsAlreadyExists)
            {
            }
            return ReconcileResult.Done;
        }
        if (existing.Data?.TryGetValue(Key, out var have) == true && have == caPem && existing.Data.Count == 1) return ReconcileResult.Done;
        var copy = Objects.Clone(existing);
        copy.Data = new Dictionary<string, string> { [Key] = caPem };
        await context.Api.UpdateAsync(key.Namespace, ConfigMapName, copy, ct);
        return ReconcileResult.Done;
    }

    private V1ConfigMap Desired(string ns) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta
        {
            Name = ConfigMapName, NamespaceProperty = ns,
            Annotations = new Dictionary<string, string> { [DescriptionAnnotation] = Description },
        },
        Data = new Dictionary<string, string> { [Key] = caPem },
    };
}
