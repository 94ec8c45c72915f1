using System.Runtime.CompilerServices;
using Bosun.Storage;

namespace Bosun.ApiServer.Security.Encryption;

/// <summary>
/// The storage value transformer (kube-apiserver's <c>value.Transformer</c>): encrypts values written under
/// <see cref="Prefix"/> and decrypts them on every read and watch event, so nothing above the store (registry, watch
/// cache, admission) ever sees ciphertext and nothing below it (SQLite file, etcd) ever sees a Secret's plaintext.
/// </summary>
internal sealed class EncryptingStore(IKeyValueStore inner, AesGcmTransformer transformer) : IKeyValueStore
{
    /// <summary>Storage prefix of the <c>secrets</c> resource (ResourceRegistration.StoragePrefix for core/v1 secrets).</summary>
    public const string Prefix = "/registry/secrets/";

    public long CompactedRevision => inner.CompactedRevision;

    public Task<long> CurrentRevisionAsync(CancellationToken ct) => inner.CurrentRevisionAsync(ct);

    public async Task<KeyValue?> GetAsync(string key, CancellationToken ct) => Open(await inner.GetAsync(key, ct));

    public async Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken ct)
    {
        var result = await inner.RangeAsync(request, ct);
        if (!Overlaps(request.Prefix)) return result;
        return result with { Items = result.Items.Select(kv => Open(kv)!).ToList() };
    }

    public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct) => inner.CreateAsync(key, Seal(key, value), ct);

    public async Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken ct) =>
        Open(await inner.UpdateAsync(key, Seal(key, value), expectedModRevision, ct));

    public async Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken ct) =>
        Open(await inner.DeleteAsync(key, expectedModRevision, ct));

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var e in inner.WatchAsync(prefix, afterRevision, ct))
            yield return IsSecret(e.Kv.Key) ? e with { Kv = Open(e.Kv)!, PrevKv = Open(e.PrevKv) } : e;
    }

    public Task CompactAsync(long revision, CancellationToken ct) => inner.CompactAsync(revision, ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private static bool IsSecret(string key) => key.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>A range over <c>/registry/</c> (the watch cache's) includes secrets as well as one over <c>/registry/secrets/ns/</c>.</summary>
    private static bool Overlaps(string prefix) => IsSecret(prefix) || Prefix.StartsWith(prefix, StringComparison.Ordinal);

    private ReadOnlyMemory<byte> Seal(string key, ReadOnlyMemory<byte> value) => IsSecret(key) ? transformer.Encrypt(key, value.Span) : value;

    private KeyValue? Open(KeyValue? kv) =>
        kv is not null && IsSecret(kv.Key) ? kv with { Value = transformer.Decrypt(kv.Key, kv.Value) } : kv;

    private WriteResult Open(WriteResult result) => result with { Current = Open(result.Current) };
}
