namespace Bosun.Client;

public enum WatchEventType { Added, Modified, Deleted, Bookmark, Error }

/// <summary>One event of a watch stream; <see cref="Object"/> is the object's state at that resourceVersion.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T Object, string ResourceVersion);
