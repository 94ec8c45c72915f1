using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// A strategy whose objects hold cluster-wide resources (a Service's cluster IP and node ports). The store calls it
/// around the storage write: allocate after validation, commit once the write succeeded, revert when it failed or was a
/// dry run, release on delete. The store itself stays generic; the allocator state lives behind this interface.
/// </summary>
internal interface IAllocatingStrategy
{
    /// <summary>Reserves what a new object needs and writes the choices into it; throws an ApiException (422) on conflicts.</summary>
    Task<AllocationTransaction> AllocateOnCreateAsync(JsonObject obj, bool dryRun, CancellationToken ct);

    /// <summary>Reserves what an update adds and plans what it gives up (released only on commit).</summary>
    Task<AllocationTransaction> AllocateOnUpdateAsync(JsonObject obj, JsonObject old, bool dryRun, CancellationToken ct);

    /// <summary>Gives back everything a deleted object held (best effort: what cannot be given back now, repair frees later).</summary>
    Task ReleaseAsync(JsonObject obj);

    /// <summary>Marks what stored objects already hold; called once at start-up, before serving.</summary>
    Task RestoreAsync(IEnumerable<JsonObject> stored, CancellationToken ct);
}
