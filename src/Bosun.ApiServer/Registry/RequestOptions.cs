using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry;

/// <summary>A list request after parsing: which objects, from which revision, how many.</summary>
internal sealed record ListOptions
{
    public ObjectFilter Filter { get; init; } = ObjectFilter.Everything;
    public int Limit { get; init; }
    public string? Continue { get; init; }
    public long? ResourceVersion { get; init; }
    /// <summary>True for <c>resourceVersionMatch=Exact</c>: read at exactly that revision.</summary>
    public bool Exact { get; init; }
}

internal sealed record ListResult(IReadOnlyList<JsonObject> Items, long Revision, string? Continue, long? RemainingItemCount);

/// <summary>The query options shared by writes.</summary>
internal sealed record WriteOptions
{
    public bool DryRun { get; init; }
    /// <summary>Who writes: the <c>fieldManager</c> query, else the user agent's first token; null = no ownership tracking.</summary>
    public string? FieldManager { get; init; }
    /// <summary>A server-side apply write, which maintains managedFields itself (no <c>Update</c> entry is recorded).</summary>
    public bool Applying { get; init; }
    /// <summary>The requesting user, for admission; null for the API server's own writes.</summary>
    public Security.UserInfo? User { get; init; }
}

/// <summary><c>metav1.DeleteOptions</c>, merged from the body and the query string.</summary>
internal sealed record DeleteOptions
{
    public long? GracePeriodSeconds { get; init; }
    public string? PropagationPolicy { get; init; }
    public string? PreconditionUid { get; init; }
    public string? PreconditionResourceVersion { get; init; }
    public bool DryRun { get; init; }
    /// <summary>The requesting user, for admission (DELETE); null for the API server's own deletes and evictions' inner delete.</summary>
    public Security.UserInfo? User { get; init; }
}

/// <summary>The outcome of a delete: the object's last state, and whether it is gone or only marked for deletion.</summary>
internal sealed record DeleteResult(JsonObject Object, bool Deleted);
