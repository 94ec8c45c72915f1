namespace Bosun.Storage.Memory;

/// <summary>One write to a key: the value it left behind, or null for a tombstone.</summary>
internal readonly record struct KeyVersion(long Revision, KeyValue? Value);
