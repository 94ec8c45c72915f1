namespace Bosun.Storage.Memory;

/// <summary>Tuning for <see cref="MemoryStore"/>.</summary>
public sealed record MemoryStoreOptions
{
    /// <summary>Events buffered per watcher before it is dropped as too slow.</summary>
    public int WatchBufferSize { get; init; } = 10_000;
}
