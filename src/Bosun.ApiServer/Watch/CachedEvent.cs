using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Watch;

/// <summary>
/// One storage change held by the <see cref="WatchCache"/>. Decoded objects are cached per registration while the
/// event is being dispatched; they are only touched under the cache's lock, because JsonNode is not safe for
/// concurrent readers.
/// </summary>
internal sealed class CachedEvent(WatchEvent change)
{
    private ResourceRegistration? decodedFor;
    private JsonObject? current;
    private JsonObject? previous;
    private byte[]? currentJson;
    private byte[]? previousJson;

    /// <summary>The storage change itself (bytes as stored), for the server's own controllers.</summary>
    public WatchEvent Change => change;
    public long Revision => change.Revision;
    public string Key => change.Kv.Key;
    public WatchEventType Type => change.Type;
    public bool IsCreate => change.IsCreate;

    /// <summary>The object after the change (for a delete: its last state, at the deletion revision).</summary>
    public JsonObject Current(ResourceRegistration reg)
    {
        Select(reg);
        return current ??= ObjectCodec.Decode(reg, change.Type == WatchEventType.Delete && change.PrevKv is { } p ? p.Value.Span : change.Kv.Value.Span, Revision);
    }

    /// <summary>The object before the change, stamped with this event's revision (what a watcher sees when an object stops matching).</summary>
    public JsonObject? Previous(ResourceRegistration reg)
    {
        Select(reg);
        if (change.PrevKv is not { } prev) return null;
        return previous ??= ObjectCodec.Decode(reg, prev.Value.Span, Revision);
    }

    public byte[] CurrentJson(ResourceRegistration reg)
    {
        Select(reg);
        return currentJson ??= Json.ToBytes(Current(reg));
    }

    public byte[]? PreviousJson(ResourceRegistration reg)
    {
        Select(reg);
        return Previous(reg) is { } p ? previousJson ??= Json.ToBytes(p) : null;
    }

    /// <summary>Drops decoded forms once dispatched, so the history ring holds only bytes.</summary>
    public void Trim()
    {
        decodedFor = null;
        current = previous = null;
        currentJson = previousJson = null;
    }

    private void Select(ResourceRegistration reg)
    {
        if (ReferenceEquals(decodedFor, reg)) return;
        Trim();
        decodedFor = reg;
    }
}
