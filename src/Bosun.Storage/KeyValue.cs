namespace Bosun.Storage;

/// <summary>One key's value as of <see cref="ModRevision"/>. Immutable.</summary>
public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision);

/// <summary>What a range read asks for.</summary>
/// <param name="Prefix">Required: only keys starting with it.</param>
/// <param name="StartKey">Optional: the first key to return (inclusive); used for continue tokens.</param>
/// <param name="Limit">Maximum items; 0 = no limit.</param>
/// <param name="Revision">The revision to read at; 0 = the current revision.</param>
public sealed record RangeRequest(string Prefix, string? StartKey = null, int Limit = 0, long Revision = 0);

/// <param name="Items">The items, in ordinal key order.</param>
/// <param name="Revision">The revision the read was made at (pin it for the next page).</param>
/// <param name="More">True when more keys match after the last item.</param>
/// <param name="Remaining">How many matching keys follow the last item.</param>
public sealed record RangeResult(IReadOnlyList<KeyValue> Items, long Revision, bool More, long Remaining);

/// <summary>On failure, <see cref="Current"/> holds the value that won (null when the key is absent).</summary>
public readonly record struct WriteResult(bool Succeeded, long Revision, KeyValue? Current);

public enum WatchEventType { Put, Delete }

/// <summary>
/// One change. For a put, <see cref="Kv"/> is the new value and <see cref="PrevKv"/> the old one (null on create).
/// For a delete, <see cref="Kv"/> has the deletion revision as <see cref="KeyValue.ModRevision"/> and the last value,
/// and <see cref="PrevKv"/> is the value that was deleted.
/// </summary>
public sealed record WatchEvent(WatchEventType Type, KeyValue Kv, KeyValue? PrevKv)
{
    public long Revision => Kv.ModRevision;
    public bool IsCreate => Type == WatchEventType.Put && PrevKv is null;
}
