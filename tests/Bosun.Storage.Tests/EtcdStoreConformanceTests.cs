using Bosun.Storage.Conformance;
using Bosun.Storage.Etcd;
using Bosun.Testing.Etcd;

namespace Bosun.Storage.Tests;

/// <summary>
/// Runs the storage conformance suite against <see cref="EtcdStore"/> on a real etcd: every store is a fresh
/// single-member cluster (the suite expects revision 1 for a new store), reopen reconnects to the same member.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EtcdStoreConformanceTests : KeyValueStoreConformance
{
    private readonly List<EtcdCluster> _clusters = [];
    private readonly Dictionary<IKeyValueStore, EtcdStoreOptions> _options = [];

    protected override async Task<IKeyValueStore> CreateStoreAsync(int watchBufferSize)
    {
        var cluster = await EtcdCluster.StartAsync();
        _clusters.Add(cluster);
        var options = new EtcdStoreOptions { Endpoints = cluster.EndpointUris, WatchBufferSize = watchBufferSize };
        var store = await EtcdStore.OpenAsync(options);
        _options.Add(store, options);
        return store;
    }

    protected override async Task<IKeyValueStore?> ReopenAsync(IKeyValueStore store)
    {
        var options = _options[store];
        await store.DisposeAsync();
        var reopened = await EtcdStore.OpenAsync(options);
        _options.Add(reopened, options);
        return reopened;
    }

    protected override async Task CleanupAsync()
    {
        foreach (var cluster in _clusters)
            await cluster.DisposeAsync();
    }
}
