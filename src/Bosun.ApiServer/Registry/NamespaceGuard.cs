using Bosun.ApiServer.Errors;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// The NamespaceLifecycle rule for writes: namespaced objects may only be created in a namespace that exists and
/// is not being terminated.
/// </summary>
internal sealed class NamespaceGuard(IKeyValueStore storage)
{
    /// <summary>Throws 404 for a missing namespace and 403 (<c>pods "x" is forbidden: …</c>) for a terminating one.</summary>
    public async Task EnsureWritableAsync(string ns, ResourceRegistration reg, string name, CancellationToken ct)
    {
        var kv = await storage.GetAsync("/registry/namespaces/" + ns, ct)
            ?? throw ApiException.NotFound("", "namespaces", ns);
        var obj = Json.ParseObject(kv.Value.Span);
        if (obj.Obj("metadata")?["deletionTimestamp"] is not null)
            throw ApiException.Forbidden(reg.Group, reg.Resource, name,
                $"unable to create new content in namespace {ns} because it is being terminated");
    }
}
