namespace Bosun.ApiServer.Patch;

/// <summary>
/// Which top-level and metadata fields field ownership ignores: the server-set metadata (apimachinery's stripmeta)
/// and, per endpoint, the part a write cannot change (status on the main resource, everything but status on /status).
/// </summary>
internal sealed class FieldScope(bool resetStatus, bool statusOnly)
{
    private static readonly HashSet<string> SystemMetadata = new(StringComparer.Ordinal)
    {
        "name", "namespace", "creationTimestamp", "selfLink", "uid", "generation", "managedFields", "resourceVersion",
    };

    public static readonly FieldScope Everything = new(false, false);

    public bool IgnoresRoot(string key) =>
        key is "apiVersion" or "kind" || (resetStatus && key == "status") || (statusOnly && key is not ("status" or "metadata"));

    public bool IgnoresMetadata(string key) => SystemMetadata.Contains(key) || (statusOnly && key is not ("labels" or "annotations"));
}
