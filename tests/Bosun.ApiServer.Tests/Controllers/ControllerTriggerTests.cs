using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Admission;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.Storage;
using Bosun.Storage.Memory;

namespace Bosun.ApiServer.Tests.Controllers;

/// <summary>Which storage changes make which keys dirty, for the API server's own controllers.</summary>
public sealed class ControllerTriggerTests : IAsyncDisposable
{
    private readonly MemoryStore storage = new();
    private readonly ResourceCatalog catalog;

    public ControllerTriggerTests() => catalog = new ResourceCatalog(BuiltInKinds.Create(), storage, TimeProvider.System);

    public ValueTask DisposeAsync() => storage.DisposeAsync();

    private static KeyValue Kv(string key, string json) => new(key, Encoding.UTF8.GetBytes(json), 1, 2);

    private static WatchEvent Put(string key, string json, string? before = null) =>
        new(WatchEventType.Put, Kv(key, json), before is null ? null : Kv(key, before));

    private static WatchEvent Delete(string key, string json) => new(WatchEventType.Delete, Kv(key, json), Kv(key, json));

    private const string Pod = """{"metadata":{"name":"p","namespace":"a"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"100m"}}}]},"status":{"phase":"Running"}}""";

    [Fact]
    public void RootCaPublisher_WatchesNamespacesAndOnlyTheRootCaConfigMaps()
    {
        var publisher = new RootCaPublisher(storage, catalog, "CA");

        Assert.True(publisher.Interested("/registry/namespaces/a"));
        Assert.True(publisher.Interested("/registry/configmaps/a/kube-root-ca.crt"));
        Assert.False(publisher.Interested("/registry/configmaps/a/settings"));
        Assert.False(publisher.Interested("/registry/secrets/a/kube-root-ca.crt"));
    }

    [Fact]
    public void RootCaPublisher_ANewNamespaceOrAChangedConfigMap_ReconcilesThatNamespace()
    {
        var publisher = new RootCaPublisher(storage, catalog, "CA");

        Assert.Equal(["a"], publisher.KeysOf(Put("/registry/namespaces/a", """{"metadata":{"name":"a"}}""")));
        Assert.Empty(publisher.KeysOf(Delete("/registry/namespaces/a", """{"metadata":{"name":"a"}}""")));
        Assert.Equal(["b"], publisher.KeysOf(Delete("/registry/configmaps/b/kube-root-ca.crt", "{}")));
        Assert.Equal(["b"], publisher.KeysOf(Put("/registry/configmaps/b/kube-root-ca.crt", "{}", "{}")));
    }

    [Fact]
    public void QuotaStatus_IgnoresNamespacesWithoutQuotas_UntilAQuotaAppears()
    {
        var quotas = new ResourceQuotaStatus(storage, catalog);

        Assert.Empty(quotas.KeysOf(Put("/registry/pods/a/p", Pod)));
        Assert.Equal(["a"], quotas.KeysOf(Put("/registry/resourcequotas/a/q", """{"metadata":{"name":"q","namespace":"a"}}""")));
        Assert.Equal(["a"], quotas.KeysOf(Put("/registry/pods/a/p", Pod)));
        Assert.Empty(quotas.KeysOf(Put("/registry/pods/b/p", Pod)));
    }

    [Fact]
    public void QuotaStatus_InterestedInNamespacedObjectsOnly()
    {
        var quotas = new ResourceQuotaStatus(storage, catalog);

        Assert.True(quotas.Interested("/registry/pods/a/p"));
        Assert.True(quotas.Interested("/registry/apps/deployments/a/d"));
        Assert.False(quotas.Interested("/registry/namespaces/a"));
        Assert.False(quotas.Interested("/registry/minions/n1"));
    }

    [Fact]
    public void QuotaStatus_PodUpdate_CountsOnlyWhenUsageChanges()
    {
        var pods = new[] { catalog.Get("", "v1", "pods").Registration };
        var relabelled = Pod.Replace("\"namespace\":\"a\"", "\"namespace\":\"a\",\"labels\":{\"x\":\"y\"}");
        var finished = Pod.Replace("Running", "Succeeded");

        Assert.False(ResourceQuotaStatus.ChangesUsage(pods, Put("/registry/pods/a/p", relabelled, Pod)));
        Assert.True(ResourceQuotaStatus.ChangesUsage(pods, Put("/registry/pods/a/p", finished, Pod)));
        Assert.True(ResourceQuotaStatus.ChangesUsage(pods, Put("/registry/pods/a/p", Pod)));
        Assert.True(ResourceQuotaStatus.ChangesUsage(pods, Delete("/registry/pods/a/p", Pod)));
    }

    [Fact]
    public void QuotaStatus_ServiceTypeChange_ChangesUsage()
    {
        var services = new[] { catalog.Get("", "v1", "services").Registration };
        const string clusterIp = """{"metadata":{"name":"s"},"spec":{"type":"ClusterIP","ports":[{"port":80}]}}""";

        Assert.True(ResourceQuotaStatus.ChangesUsage(services, Put("/registry/services/specs/a/s", clusterIp.Replace("ClusterIP", "NodePort"), clusterIp)));
        Assert.False(ResourceQuotaStatus.ChangesUsage(services, Put("/registry/services/specs/a/s", clusterIp, clusterIp)));
    }

    [Fact]
    public void NamespacedKeys_SplitsNamespacedKeys_AndRejectsOthers()
    {
        var keys = new NamespacedKeys(catalog);
        var services = catalog.Get("", "v1", "services").Registration.StoragePrefix;

        Assert.Equal(("/registry/pods/", "a"), keys.Split("/registry/pods/a/p"));
        Assert.Equal((services, "ns1"), keys.Split(services + "ns1/web"));
        Assert.Null(keys.Split("/registry/namespaces/a"));
        Assert.Null(keys.Split("/registry/unknown/a/b"));
        Assert.Null(keys.Split("pods"));
    }
}
