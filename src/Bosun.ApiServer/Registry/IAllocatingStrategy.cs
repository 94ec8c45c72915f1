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
    AllocationTransaction AllocateOnCreate(JsonObject obj, bool dryRun);

    /// <summary>Reserves what an update adds and plans what it gives up (released only on commit).</summary>
    AllocationTransaction AllocateOnUpdate(JsonObject obj, JsonObject old, bool dryRun);

    /// <summary>Gives back everything a deleted object held.</summary>
    void Release(JsonObject obj);

    /// <summary>Marks what stored objects already hold; called once at start-up, before serving.</summary>
    void Restore(IEnumerable<JsonObject> stored);
}
