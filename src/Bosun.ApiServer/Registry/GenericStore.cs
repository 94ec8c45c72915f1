using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// The one store behind every resource: create, get, list, update and delete over <see cref="IKeyValueStore"/>,
/// with the per-kind rules supplied by the registration's <see cref="IResourceStrategy"/>.
/// Mirrors kube-apiserver's <c>registry/generic/registry/store.go</c>, in the order things happen there.
/// </summary>
internal sealed class GenericStore(ResourceRegistration reg, IKeyValueStore storage, NamespaceGuard namespaces, TimeProvider time)
{
    public ResourceRegistration Registration => reg;

    /// <summary>The clock writes are stamped with (creation and managedFields times).</summary>
    public TimeProvider Time => time;

    /// <summary>The admission plugins writes go through; null (tests, bare stores) admits everything.</summary>
    public Admission.AdmissionChain? Admission { get; set; }

    public async Task<JsonObject> GetAsync(string? ns, string name, CancellationToken ct)
    {
        var kv = await storage.GetAsync(reg.Key(ns, name), ct) ?? throw NotFound(name);
        return ObjectCodec.Decode(reg, kv);
    }

    public async Task<ListResult> ListAsync(string? ns, ListOptions options, CancellationToken ct)
    {
        if (options.Filter.ExactName is { } only && options.Continue is null && options.ResourceVersion is null)
            return await GetOneAsListAsync(ns, only, options.Filter, ct);
        var prefix = reg.NamespacePrefix(ns);
        return await ListPages.ReadAsync(storage, reg, prefix, options, ct);
    }

    private async Task<ListResult> GetOneAsListAsync(string? ns, string name, ObjectFilter filter, CancellationToken ct)
    {
        // Read the revision first: the list's resourceVersion must not be older than the item.
        var revision = await storage.CurrentRevisionAsync(ct);
        var items = new List<JsonObject>();
        if (!string.IsNullOrEmpty(ns) || !reg.Namespaced)
        {
            var kv = await storage.GetAsync(reg.Key(ns, name), ct);
            if (kv is not null)
            {
                var obj = ObjectCodec.Decode(reg, kv);
                if (filter.Matches(obj)) items.Add(obj);
                revision = Math.Max(revision, kv.ModRevision);
            }
            return new ListResult(items, revision, null, null);
        }
        return await ListPages.ReadAsync(storage, reg, reg.StoragePrefix, new ListOptions { Filter = filter }, ct);
    }

    public async Task<JsonObject> CreateAsync(string? ns, JsonObject obj, WriteOptions options, CancellationToken ct) =>
        (await CreateServedAsync(ns, obj, options, ct)).Object;

    /// <summary>
    /// <see cref="CreateAsync"/>, also returning the answer's JSON when it could be made from the stored bytes (null:
    /// serialize <see cref="Created.Object"/>), so the HTTP create serializes the new object once.
    /// </summary>
    public async Task<Created> CreateServedAsync(string? ns, JsonObject obj, WriteOptions options, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        SystemFields.FillOnCreate(obj, reg, ns, now);
        if (reg.HasStatus && reg.Strategy.ResetsStatusOnCreate) obj.Remove("status");
        reg.Strategy.Default(obj);
        var admission = Admission is null ? null : new Admission.AdmissionRequest("CREATE", reg, ns, obj, null, options.User, options.DryRun);
        if (admission is not null) await Admission!.MutateAsync(admission, ct);
        reg.Strategy.PrepareForCreate(obj);
        if (options.FieldManager is { } manager && !options.Applying)
            Patch.ManagedFields.RecordUpdate(new JsonObject(), obj, manager, reg, null, now);
        var name = obj.Obj("metadata").Str("name") ?? "";
        Validate(obj, name, MetadataValidation.Validate(obj, reg).Concat(reg.Strategy.Validate(obj)));
        if (reg.Namespaced) await namespaces.EnsureWritableAsync(ns!, reg.Group, reg.Resource, name, ct);
        if (admission is not null) await Admission!.ValidateAsync(admission, ct);

        // Allocation runs in dry-run too (the answer shows the chosen IP), but a dry run never keeps it.
        var allocation = Allocator is { } allocator ? await allocator.AllocateOnCreateAsync(obj, options.DryRun, ct) : AllocationTransaction.None;
        if (options.DryRun)
        {
            await allocation.RevertAsync();
            return new Created(obj, null);
        }

        try
        {
            var encoded = ObjectCodec.EncodeNew(reg, obj);
            var revision = await storage.CreateAsync(reg.Key(ns, name), encoded.Stored, ct);
            await allocation.CommitAsync();
            obj.Obj("metadata")!["resourceVersion"] = ObjectCodec.FormatRevision(revision);
            ObjectCodec.SetTypeMeta(obj, reg);
            return new Created(obj, encoded.Served(revision));
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Exists)
        {
            throw ApiException.AlreadyExists(reg.Group, reg.Resource, name);
        }
        finally
        {
            await allocation.RevertAsync();   // no-op after a commit
        }
    }

    private IAllocatingStrategy? Allocator => reg.Strategy as IAllocatingStrategy;

    /// <summary>Rebuilds the allocator's in-memory state from what is stored (start-up, before serving).</summary>
    public async Task RestoreAllocationsAsync(CancellationToken ct)
    {
        if (Allocator is not { } allocator) return;
        await allocator.RestoreAsync(await ReadAllStoredAsync(ct), ct);
    }

    /// <summary>Every stored object of this resource, read from the datastore (not the watch cache).</summary>
    public async Task<IReadOnlyList<JsonObject>> ReadAllStoredAsync(CancellationToken ct) =>
        (await ListPages.ReadAsync(storage, reg, reg.StoragePrefix, new ListOptions(), ct)).Items;

    /// <summary>
    /// Read, apply <paramref name="tryUpdate"/> to a copy, compare-and-swap; on losing a race, retry on the winner —
    /// unless the client pinned a resourceVersion, which then is a 409 Conflict (storage.Interface GuaranteedUpdate).
    /// </summary>
    public async Task<JsonObject> UpdateAsync(string? ns, string name, UpdateKind kind, Func<JsonObject, JsonObject> tryUpdate,
        WriteOptions options, CancellationToken ct)
    {
        var key = reg.Key(ns, name);
        var kv = await storage.GetAsync(key, ct) ?? throw NotFound(name);
        while (true)
        {
            var current = ObjectCodec.Decode(reg, kv);
            // Kubernetes defaults what it reads back from storage too, so objects written before a default existed
            // compare equal to an update that carries the default.
            reg.Strategy.Default(current);
            var updated = tryUpdate(current.DeepClone().AsObject());
            var pinned = updated.Obj("metadata").Str("resourceVersion");
            if (!string.IsNullOrEmpty(pinned) && Revision.Parse(pinned) != kv.ModRevision)
                throw ApiException.Conflict(reg.Group, reg.Resource, name);

            Prepare(updated, current, kind, name);
            if (Admission is not null)
            {
                var request = new Admission.AdmissionRequest("UPDATE", reg, ns, updated, current, options.User, options.DryRun, kind == UpdateKind.Status ? "status" : "");
                await Admission.MutateAsync(request, ct);
                await Admission.ValidateAsync(request, ct);
            }
            if (options.FieldManager is { } manager && !options.Applying)
                Patch.ManagedFields.RecordUpdate(current, updated, manager, reg, kind == UpdateKind.Status ? "status" : null, time.GetUtcNow());
            if (JsonNode.DeepEquals(updated, current)) return current;          // a no-op update writes nothing

            var allocation = kind == UpdateKind.Status || Allocator is null
                ? AllocationTransaction.None
                : await Allocator.AllocateOnUpdateAsync(updated, current, options.DryRun, ct);
            try
            {
                if (options.DryRun) return updated;
                if (IsReadyToDelete(updated))
                {
                    var deleted = await storage.DeleteAsync(key, kv.ModRevision, ct);
                    if (deleted.Succeeded)
                    {
                        await allocation.RevertAsync();
                        if (Allocator is { } allocator) await allocator.ReleaseAsync(current);
                        return updated;
                    }
                    kv = deleted.Current ?? throw NotFound(name);
                }
                else
                {
                    var result = await storage.UpdateAsync(key, ObjectCodec.Encode(reg, updated), kv.ModRevision, ct);
                    if (result.Succeeded)
                    {
                        await allocation.CommitAsync();
                        updated.Obj("metadata")!["resourceVersion"] = ObjectCodec.FormatRevision(result.Revision);
                        return updated;
                    }
                    kv = result.Current ?? throw NotFound(name);
                }
            }
            finally
            {
                await allocation.RevertAsync();   // lost the race, failed, or dry run: give back what this attempt took
            }
            // Lost the race: run tryUpdate again on the winner. A resourceVersion the caller pinned now names an older
            // revision and fails the check above; one carried over from the object read passes, so internal writers
            // (quota charges, controllers) retry instead of answering 409.
        }
    }

    private void Prepare(JsonObject updated, JsonObject current, UpdateKind kind, string name)
    {
        if (updated.Obj("metadata").Str("name") is { } bodyName && bodyName != name)
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        ObjectCodec.SetTypeMeta(updated, reg);
        SystemFields.KeepOnUpdate(updated, current);
        updated.Obj("metadata")!["name"] = name;
        reg.Strategy.Default(updated);
        if (kind == UpdateKind.Status) StatusOnly(updated, current);
        else if (reg.HasStatus && kind == UpdateKind.Main) CopyMember(updated, current, "status");
        if (kind == UpdateKind.Main) reg.Strategy.PrepareForUpdate(updated, current);
        if (reg.TracksGeneration && SpecChanged(updated, current))
            updated.Obj("metadata")!["generation"] = (current.Obj("metadata").Long("generation") ?? 0) + 1;
        updated.Obj("metadata")!["resourceVersion"] = current.Obj("metadata").Str("resourceVersion");
        // Immutability rules bind clients; the server's own subresource writes (binding, finalize) change what they own.
        var updateRules = kind == UpdateKind.Any ? [] : reg.Strategy.ValidateUpdate(updated, current);
        Validate(updated, name, MetadataValidation.Validate(updated, reg)
            .Concat(reg.Strategy.Validate(updated))
            .Concat(updateRules));
    }

    /// <summary>A status write changes status and nothing else (kube-apiserver's StatusStrategy).</summary>
    private static void StatusOnly(JsonObject updated, JsonObject current)
    {
        var status = updated["status"]?.DeepClone();
        foreach (var (k, v) in current.ToList())
        {
            if (k == "status" || k == "metadata") continue;
            updated[k] = v?.DeepClone();
        }
        foreach (var k in updated.Select(p => p.Key).Where(k => k != "status" && k != "metadata" && !current.ContainsKey(k)).ToList())
            updated.Remove(k);
        if (status is null) updated.Remove("status"); else updated["status"] = status;
        var meta = updated.Obj("metadata")!;
        var oldMeta = current.Obj("metadata")!;
        foreach (var field in (string[])["labels", "annotations", "finalizers", "ownerReferences"])
            CopyMember(meta, oldMeta, field);
    }

    private static void CopyMember(JsonObject target, JsonObject source, string name)
    {
        if (source[name] is { } v) target[name] = v.DeepClone();
        else target.Remove(name);
    }

    private static bool SpecChanged(JsonObject updated, JsonObject current)
    {
        foreach (var (k, v) in updated)
        {
            if (k is "metadata" or "status" or "apiVersion" or "kind") continue;
            if (!JsonNode.DeepEquals(v, current[k])) return true;
        }
        return current.Any(p => p.Key is not ("metadata" or "status" or "apiVersion" or "kind") && !updated.ContainsKey(p.Key));
    }

    /// <summary>An object marked for deletion whose last finalizer was just removed goes away.</summary>
    private bool IsReadyToDelete(JsonObject obj)
    {
        var meta = obj.Obj("metadata");
        if (reg.Strategy.BlocksDeletion(obj)) return false;
        if (meta?["deletionTimestamp"] is null) return false;
        if (meta.Arr("finalizers") is { Count: > 0 }) return false;
        // Pods still waiting out their grace period are removed by the node, with a delete at grace 0.
        return meta.Long("deletionGracePeriodSeconds") is null or 0;
    }

    public async Task<DeleteResult> DeleteAsync(string? ns, string name, DeleteOptions options, CancellationToken ct)
    {
        reg.Strategy.ValidateDelete(name);
        var key = reg.Key(ns, name);
        var kv = await storage.GetAsync(key, ct) ?? throw NotFound(name);
        if (Admission is not null && options.User is not null)
        {
            var existing = ObjectCodec.Decode(reg, kv);
            await Admission.ValidateAsync(new Admission.AdmissionRequest("DELETE", reg, ns, existing, existing, options.User, options.DryRun), ct);
        }
        while (true)
        {
            var current = ObjectCodec.Decode(reg, kv);
            CheckPreconditions(current, options, name);
            var pending = Deletion.PlanGraceful(reg, current, options, time.GetUtcNow());
            if (options.DryRun) return new DeleteResult(pending ?? current, pending is null);

            WriteResult result;
            if (pending is null)
            {
                result = await storage.DeleteAsync(key, kv.ModRevision, ct);
                if (result.Succeeded)
                {
                    if (Allocator is { } allocator) await allocator.ReleaseAsync(current);
                    current.Obj("metadata")!["resourceVersion"] = ObjectCodec.FormatRevision(result.Revision);
                    return new DeleteResult(current, true);
                }
            }
            else
            {
                if (JsonNode.DeepEquals(pending, current)) return new DeleteResult(current, false);
                result = await storage.UpdateAsync(key, ObjectCodec.Encode(reg, pending), kv.ModRevision, ct);
                if (result.Succeeded)
                {
                    pending.Obj("metadata")!["resourceVersion"] = ObjectCodec.FormatRevision(result.Revision);
                    return new DeleteResult(pending, false);
                }
            }
            kv = result.Current ?? throw NotFound(name);
        }
    }

    private void CheckPreconditions(JsonObject current, DeleteOptions options, string name)
    {
        var meta = current.Obj("metadata");
        if (options.PreconditionUid is { } uid && uid != meta.Str("uid"))
            throw ApiException.Conflict(reg.Group, reg.Resource, name,
                $"Precondition failed: UID in precondition: {uid}, UID in object meta: {meta.Str("uid")}");
        if (options.PreconditionResourceVersion is { } rv && rv != meta.Str("resourceVersion"))
            throw ApiException.Conflict(reg.Group, reg.Resource, name,
                $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {meta.Str("resourceVersion")}");
    }

    private void Validate(JsonObject obj, string name, IEnumerable<FieldError> causes)
    {
        var list = causes.ToList();
        if (list.Count > 0) throw ApiException.Invalid(reg.Group, reg.Kind, name, list);
    }

    private ApiException NotFound(string name) => ApiException.NotFound(reg.Group, reg.Resource, name);
}

/// <summary>A created object and, when it could be made without serializing again, its JSON as served.</summary>
internal sealed record Created(JsonObject Object, byte[]? Json);

/// <summary>Which part of an object an update may change.</summary>
internal enum UpdateKind
{
    /// <summary>The main resource: everything but status (for kinds with a status subresource).</summary>
    Main,
    /// <summary>The status subresource: status only.</summary>
    Status,
    /// <summary>Internal writes that may change anything (finalizing a namespace).</summary>
    Any,
}
