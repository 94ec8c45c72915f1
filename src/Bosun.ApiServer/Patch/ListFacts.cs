namespace Bosun.ApiServer.Patch;

/// <summary>
/// How one list (or union struct) field of a built-in model patches, from its Go struct tags in k8s.io/api:
/// <c>patchStrategy</c>, <c>patchMergeKey</c> and, for server-side apply, <c>listMapKey</c>s.
/// </summary>
/// <param name="Merge">patchStrategy contains <c>merge</c>: merge by key (objects) or as a set (primitives).</param>
/// <param name="MergeKey">patchMergeKey; null for merge lists of primitives.</param>
/// <param name="RetainKeys">patchStrategy contains <c>retainKeys</c> (union members are cleared unless listed).</param>
/// <param name="ApplyKeys">listMapKeys when they differ from the merge key (container ports also key on protocol).</param>
internal sealed record ListFacts(bool Merge, string? MergeKey, bool RetainKeys = false, string[]? ApplyKeys = null)
{
    /// <summary>The keys server-side apply identifies list items by.</summary>
    public string[] Keys => ApplyKeys ?? (MergeKey is null ? [] : [MergeKey]);
}
