namespace Bosun.Storage.Conformance;

/// <summary>A write the store acknowledged, as the writer saw it; the watch-history checker compares events against these.</summary>
internal sealed record CommittedWrite(long Revision, WatchEventType Type, string Key, string Value);
