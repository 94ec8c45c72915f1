namespace Bosun.ApiServer.Watch;

/// <summary>One event as one watcher sees it: ADDED/MODIFIED/DELETED and the object's JSON (immutable bytes).</summary>
internal readonly record struct WatchItem(string Type, long Revision, byte[] ObjectJson);
