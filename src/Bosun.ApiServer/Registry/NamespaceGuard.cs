using Bosun.ApiServer.Errors;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// The NamespaceLifecycle rule for writes: namespaced objects may only be created in a namespace that exists and
/// is not being terminated.
/// </summary>
internal sealed class NamespaceGuard(IKeyValueStore storage)
{
    /// <summary>
    /// 404 for a missing namespace; 403 for a terminating one, worded like the NamespaceLifecycle admission plugin
    /// (<c>configmaps "x" is forbidden: unable to create new content in namespace …</c>, cause NamespaceTerminating).
    /// </summary>
    public async Task EnsureWritableAsync(string ns, string group, string resource, string name, CancellationToken ct)
    {
        var kv = await storage.GetAsync("/registry/namespaces/" + ns, ct)
            ?? throw ApiException.NotFound("", "namespaces", ns);
        var obj = Json.ParseObject(kv.Value.Span);
        if (obj.Obj("metadata")?["deletionTimestamp"] is not null)
            throw new ApiException(403, "Forbidden",
                $"{ApiException.Qualified(group, resource)} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated")
            {
                DetailsName = name,
                DetailsGroup = group,
                DetailsKind = resource,
                Causes = [new StatusCause("NamespaceTerminating", $"namespace {ns} is being terminated", "metadata.namespace")],
            };
    }
}
