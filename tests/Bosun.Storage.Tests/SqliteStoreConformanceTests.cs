using Bosun.Storage.Conformance;
using Bosun.Storage.Sqlite;

namespace Bosun.Storage.Tests;

/// <summary>Runs the storage conformance suite against <see cref="SqliteStore"/> on temp files, including reopen.</summary>
public sealed class SqliteStoreConformanceTests : KeyValueStoreConformance
{
    private readonly TempDirectory _directory = new();
    private readonly Dictionary<IKeyValueStore, (string Path, SqliteStoreOptions Options)> _files = [];

    protected override async Task<IKeyValueStore> CreateStoreAsync(int watchBufferSize)
    {
        var path = _directory.File($"store-{_files.Count}.db");
        var options = new SqliteStoreOptions { WatchBufferSize = watchBufferSize };
        var store = await SqliteStore.OpenAsync(path, options);
        _files.Add(store, (path, options));
        return store;
    }

    protected override async Task<IKeyValueStore?> ReopenAsync(IKeyValueStore store)
    {
        var (path, options) = _files[store];
        await store.DisposeAsync();
        var reopened = await SqliteStore.OpenAsync(path, options);
        _files.Add(reopened, (path, options));
        return reopened;
    }

    protected override Task CleanupAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}
