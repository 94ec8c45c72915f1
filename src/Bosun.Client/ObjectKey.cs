using k8s;
using k8s.Models;

namespace Bosun.Client;

/// <summary>The key controllers reconcile: namespace (empty for cluster-scoped objects) and name. Prints as <c>ns/name</c>.</summary>
public readonly record struct ObjectKey(string Namespace, string Name)
{
    public static ObjectKey Of(IKubernetesObject<V1ObjectMeta> obj) => new(obj.Metadata.NamespaceProperty ?? "", obj.Metadata.Name);

    public override string ToString() => Namespace.Length == 0 ? Name : $"{Namespace}/{Name}";
}
