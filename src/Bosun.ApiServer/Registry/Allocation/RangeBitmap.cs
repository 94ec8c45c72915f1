using Bosun.Storage;

namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>
/// The bitmap of one allocation range, optionally kept in the datastore so that every API server on it shares it
/// (kube-apiserver's etcd-backed allocator over a RangeAllocation object). Each change runs under a local lock on an
/// in-memory mirror, is written with compare-and-swap on the key's mod revision, and on losing the race is re-run on
/// the winner's bitmap. The mirror is trusted while this server's last write or read is the latest it knows of, so one
/// server alone pays one write per change and no read.
/// </summary>
internal sealed class RangeBitmap
{
    private readonly IKeyValueStore? storage;
    private readonly string key;
    private readonly string range;
    private long modRevision;   // of the mirror's stored version; 0 = the key does not exist
    private bool fresh;          // the mirror matches what this server last saw stored

    /// <summary>A bitmap kept only in this process (tests, and ranges nobody else allocates from).</summary>
    public RangeBitmap(int size, int staticBand) : this(null, "", "", size, staticBand) { }

    /// <param name="storage">The shared store; null keeps the bitmap in memory only.</param>
    /// <param name="key">Its key, e.g. <c>/registry/ranges/serviceips</c>.</param>
    /// <param name="range">The range it covers as stored (<c>10.96.0.0/12</c>, <c>30000-32767</c>); a stored bitmap of another range is discarded.</param>
    public RangeBitmap(IKeyValueStore? storage, string key, string range, int size, int staticBand)
    {
        this.storage = storage;
        this.key = key;
        this.range = range;
        Mirror = new OffsetBitmap(size, staticBand);
    }

    /// <summary>This server's view: exact after its own writes, possibly behind other servers' ones.</summary>
    public OffsetBitmap Mirror { get; }

    public int Size => Mirror.Size;

    /// <summary>
    /// Runs <paramref name="change"/> on the current bitmap and stores the result if it reports a change; re-runs it on
    /// the newer bitmap when another server wrote first. <paramref name="refresh"/> reads the stored bitmap first even
    /// when the mirror is believed current (dry runs and checks that must see other servers' allocations).
    /// <para>
    /// Changes that arrive while a write is in flight are applied together and stored with one compare-and-swap
    /// (group commit): the bitmap is one key, so writing it once per change would serialise every Service create.
    /// Once queued, a change is applied even if <paramref name="ct"/> fires; what it took is then freed by repair.
    /// </para>
    /// </summary>
    public async Task<T> ChangeAsync<T>(Func<OffsetBitmap, (T Result, bool Changed)> change, bool refresh, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        T result = default!;
        var pending = new Pending(b =>
        {
            var (r, changed) = change(b);
            result = r;
            return changed;
        }, refresh);
        bool flush;
        lock (queueGate)
        {
            queue.Add(pending);
            flush = !flushing;
            flushing = true;
        }
        if (flush) await FlushAsync();
        await pending.Done.Task;
        return result;
    }

    private sealed record Pending(Func<OffsetBitmap, bool> Apply, bool Refresh)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Lock queueGate = new();
    private List<Pending> queue = [];
    private bool flushing;

    /// <summary>
    /// Applies and stores the queued changes as one batch; changes queued meanwhile are flushed by a new task, so the
    /// request that started flushing is not kept busy serving others.
    /// </summary>
    private async Task FlushAsync()
    {
        List<Pending> batch;
        lock (queueGate)
        {
            batch = queue;
            queue = [];
        }
        try
        {
            await ApplyAsync(batch);
            foreach (var p in batch) p.Done.TrySetResult();
        }
        catch (Exception e)
        {
            foreach (var p in batch) p.Done.TrySetException(e);
        }
        lock (queueGate)
        {
            if (queue.Count == 0)
            {
                flushing = false;
                return;
            }
        }
        _ = Task.Run(FlushAsync);
    }

    private async Task ApplyAsync(List<Pending> batch)
    {
        if (storage is null)
        {
            foreach (var p in batch) p.Apply(Mirror);
            return;
        }
        if (!fresh || batch.Exists(p => p.Refresh)) await LoadAsync(storage, CancellationToken.None);
        while (true)
        {
            var changed = false;
            foreach (var p in batch) changed |= p.Apply(Mirror);
            if (!changed) return;
            fresh = false;   // until the write is known to have landed
            if (await TryStoreAsync(storage, CancellationToken.None)) return;
        }
    }

    /// <summary>
    /// Takes <paramref name="offset"/>; false when it is taken. A refusal on the mirror is checked again on the stored
    /// bitmap, since another server may have released it meanwhile.
    /// </summary>
    public async Task<bool> TakeAsync(int offset, bool dryRun, CancellationToken ct)
    {
        Func<OffsetBitmap, (bool, bool)> take = b =>
        {
            if (dryRun) return (!b.Has(offset), false);
            var ok = b.TryTake(offset);
            return (ok, ok);
        };
        return await ChangeAsync(take, refresh: dryRun, ct) || (storage is not null && !dryRun && await ChangeAsync(take, refresh: true, ct));
    }

    /// <summary>Takes any free offset; null when the range is full (checked on the stored bitmap before saying so).</summary>
    public async Task<int?> TakeNextAsync(bool dryRun, CancellationToken ct)
    {
        Func<OffsetBitmap, (int?, bool)> next = b => b.TakeNext(dryRun) is { } o ? (o, !dryRun) : (null, false);
        return await ChangeAsync(next, refresh: dryRun, ct) ?? (storage is not null && !dryRun ? await ChangeAsync(next, refresh: true, ct) : null);
    }

    /// <summary>
    /// Gives <paramref name="offset"/> back. Always written, even when the mirror does not have it: another server may
    /// have taken it, and the compare-and-swap then brings in its bitmap and releases it there.
    /// </summary>
    public Task ReleaseAsync(int offset, CancellationToken ct)
    {
        var first = true;   // after a lost race the mirror is the winner's bitmap and can be believed
        return ChangeAsync(b =>
        {
            var had = b.Has(offset);
            b.Release(offset);
            var write = had || first;
            first = false;
            return (had, write);
        }, refresh: false, ct);
    }

    /// <summary>Marks <paramref name="offsets"/> taken (start-up: what the stored objects hold), reading the stored bitmap first.</summary>
    public Task MarkAsync(IReadOnlyCollection<int> offsets, CancellationToken ct) =>
        ChangeAsync(b => (0, offsets.Count(o => b.TryTake(o)) > 0), refresh: true, ct);

    private async Task LoadAsync(IKeyValueStore store, CancellationToken ct) => Adopt(await store.GetAsync(key, ct));

    /// <summary>True when the mirror was written; else the mirror now holds the winner's bitmap.</summary>
    private async Task<bool> TryStoreAsync(IKeyValueStore store, CancellationToken ct)
    {
        var value = RangeAllocationCodec.Encode(Path.GetFileName(key), range, Mirror);
        if (modRevision == 0)
        {
            try
            {
                modRevision = await store.CreateAsync(key, value, ct);
                fresh = true;
                return true;
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.Exists)
            {
                await LoadAsync(store, ct);
                return false;
            }
        }
        var written = await store.UpdateAsync(key, value, modRevision, ct);
        if (written.Succeeded)
        {
            modRevision = written.Revision;
            fresh = true;
            return true;
        }
        Adopt(written.Current);
        return false;
    }

    private void Adopt(KeyValue? stored)
    {
        if (stored is null)
        {
            Mirror.Clear();
            modRevision = 0;
        }
        else
        {
            if (RangeAllocationCodec.Decode(stored.Value, Mirror) != range) Mirror.Clear();
            modRevision = stored.ModRevision;
        }
        fresh = true;
    }
}
