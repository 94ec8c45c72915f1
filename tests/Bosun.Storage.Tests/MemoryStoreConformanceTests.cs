using Bosun.Storage.Conformance;
using Bosun.Storage.Memory;

namespace Bosun.Storage.Tests;

/// <summary>Runs the storage conformance suite against <see cref="MemoryStore"/>.</summary>
public sealed class MemoryStoreConformanceTests : KeyValueStoreConformance
{
    protected override Task<IKeyValueStore> CreateStoreAsync(int watchBufferSize) =>
        Task.FromResult<IKeyValueStore>(new MemoryStore(new MemoryStoreOptions { WatchBufferSize = watchBufferSize }));
}
