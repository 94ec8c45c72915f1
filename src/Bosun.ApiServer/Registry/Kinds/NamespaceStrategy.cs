using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>
/// Namespaces: Active on create with the <c>kubernetes</c> finalizer in <c>spec.finalizers</c>; a delete makes them
/// Terminating until the namespace finalizer has removed their content and that finalizer.
/// </summary>
internal sealed class NamespaceStrategy : IResourceStrategy
{
    public const string Finalizer = "kubernetes";
    private const string NameLabel = "kubernetes.io/metadata.name";

    public void PrepareForCreate(JsonObject obj)
    {
        obj.Ensure("spec")["finalizers"] = new JsonArray(Finalizer);
        obj["status"] = new JsonObject { ["phase"] = "Active" };
        SetNameLabel(obj);
    }

    public void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        // spec.finalizers only change through the finalize path, as in kube-apiserver.
        if (old.Obj("spec")?["finalizers"] is { } finalizers) obj.Ensure("spec")["finalizers"] = finalizers.DeepClone();
        else obj.Obj("spec")?.Remove("finalizers");
        SetNameLabel(obj);
    }

    public bool BlocksDeletion(JsonObject obj) => obj.Obj("spec").Arr("finalizers") is { Count: > 0 };

    /// <summary>NamespaceLifecycle admission: default, kube-system and kube-public may not be deleted.</summary>
    public void ValidateDelete(string name)
    {
        if (name is "default" or "kube-system" or "kube-public")
            throw ApiException.Forbidden("", "namespaces", name, "this namespace may not be deleted");
    }

    public void PrepareForDelete(JsonObject obj) => obj.Ensure("status")["phase"] = "Terminating";

    private static void SetNameLabel(JsonObject obj)
    {
        var meta = obj.Ensure("metadata");
        meta.Ensure("labels")[NameLabel] = meta.Str("name");
    }
}
