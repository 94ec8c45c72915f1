using Bosun.Client;
using k8s;
using k8s.Models;

namespace Bosun.Controllers.GarbageCollector;

/// <summary>
/// One kind the garbage collector watches, as owner and as dependent: its cache, and typed reads, updates and
/// deletes behind an untyped face so that the collector can walk ownerReferences across kinds.
/// </summary>
internal interface IGcKind
{
    /// <summary><c>Kind</c> or <c>Kind.group</c>: the prefix of this kind's queue keys.</summary>
    string Id { get; }
    string ApiVersion { get; }
    string Kind { get; }
    bool Namespaced { get; }
    IInformer Informer { get; }

    IKubernetesObject<V1ObjectMeta>? Get(string ns, string name);
    IEnumerable<IKubernetesObject<V1ObjectMeta>> List(string? ns);
    Task<IKubernetesObject<V1ObjectMeta>?> GetLiveAsync(string ns, string name, CancellationToken ct);
    Task UpdateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct);
    Task DeleteAsync(IKubernetesObject<V1ObjectMeta> obj, string policy, CancellationToken ct);
    void OnChange(Action<IKubernetesObject<V1ObjectMeta>?, IKubernetesObject<V1ObjectMeta>> changed, Action<IKubernetesObject<V1ObjectMeta>> deleted);
}

/// <summary>The registration of one kind; add a line to <see cref="GarbageCollector.DefaultKinds"/> for a new owning kind.</summary>
internal sealed class GcKind<T>(ControllerContext context) : IGcKind where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Informer<T> informer = context.Informers.For<T>();
    private readonly ResourceType type = ResourceType.Of<T>();

    public string Id => type.Group.Length == 0 ? type.Kind : $"{type.Kind}.{type.Group}";
    public string ApiVersion => type.ApiVersion;
    public string Kind => type.Kind;
    public bool Namespaced => type.Namespaced;
    public IInformer Informer => informer;

    public IKubernetesObject<V1ObjectMeta>? Get(string ns, string name) => informer.Get(Namespaced ? ns : "", name);

    public IEnumerable<IKubernetesObject<V1ObjectMeta>> List(string? ns) => informer.List(Namespaced ? ns : null);

    public async Task<IKubernetesObject<V1ObjectMeta>?> GetLiveAsync(string ns, string name, CancellationToken ct) =>
        await context.Api.TryGetAsync<T>(Namespaced ? ns : null, name, ct);

    public Task UpdateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct) =>
        context.Api.UpdateAsync(obj.Metadata.NamespaceProperty, obj.Metadata.Name, (T)obj, ct);

    public Task DeleteAsync(IKubernetesObject<V1ObjectMeta> obj, string policy, CancellationToken ct) =>
        // The uid precondition keeps us from deleting a same-named successor created meanwhile.
        context.Api.DeleteAsync<T>(obj.Metadata.NamespaceProperty, obj.Metadata.Name, ct, new V1DeleteOptions
        {
            PropagationPolicy = policy,
            Preconditions = new V1Preconditions { Uid = obj.Metadata.Uid },
        });

    public void OnChange(Action<IKubernetesObject<V1ObjectMeta>?, IKubernetesObject<V1ObjectMeta>> changed, Action<IKubernetesObject<V1ObjectMeta>> deleted) =>
        informer.On(added: o => changed(null, o), updated: (old, o) => changed(old, o), deleted: o => deleted(o));
}
