using Bosun.ApiServer.Errors;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// The NamespaceLifecycle rule for writes: namespaced objects may only be created in a namespace that exists and
/// is not being terminated.
/// </summary>
internal sealed class NamespaceGuard(IKeyValueStore storage)
{
    public async Task EnsureWritableAsync(string ns, CancellationToken ct)
    {
        var kv = await storage.GetAsync("/registry/namespaces/" + ns, ct)
            ?? throw ApiException.NotFound("", "namespaces", ns);
        var obj = Json.ParseObject(kv.Value.Span);
        if (obj.Obj("metadata")?["deletionTimestamp"] is not null)
            throw ApiException.Forbidden($"unable to create new content in namespace {ns} because it is being terminated");
    }
}
