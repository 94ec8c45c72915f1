using System.Net;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests;

[Collection("server")]
[Trait("Category", "Integration")]
public sealed class LifecycleTests(ServerFixture fixture)
{
    private readonly TestServer server = fixture.Server;
    private Kubernetes Client => server.Client;

    private static V1Pod Pod(string name, string? nodeName = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec { NodeName = nodeName, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    private static V1Deployment Deployment(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            },
        },
    };

    private async Task WaitGoneAsync(Func<Task> read, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try { await read(); }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return; }
            Assert.True(DateTime.UtcNow < deadline, "object was not removed in time");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Pod_SecondDeleteWithShorterGrace_ShortensGracePeriod()
    {
        var ns = await server.NewNamespaceAsync("gr");
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p", "node-1"), ns);
        var first = await Client.CoreV1.DeleteNamespacedPodAsync("p", ns, gracePeriodSeconds: 30);
        Assert.Equal(30, first.Metadata.DeletionGracePeriodSeconds);
        var second = await Client.CoreV1.DeleteNamespacedPodAsync("p", ns, gracePeriodSeconds: 10);
        Assert.Equal(10, second.Metadata.DeletionGracePeriodSeconds);
        Assert.True(second.Metadata.DeletionTimestamp < first.Metadata.DeletionTimestamp);
        // A longer one does not extend it.
        var third = await Client.CoreV1.DeleteNamespacedPodAsync("p", ns, gracePeriodSeconds: 60);
        Assert.Equal(10, third.Metadata.DeletionGracePeriodSeconds);
        await Client.CoreV1.DeleteNamespacedPodAsync("p", ns, gracePeriodSeconds: 0);
        await Errors.StatusAsync(() => Client.CoreV1.ReadNamespacedPodAsync("p", ns), HttpStatusCode.NotFound, "NotFound", "pods \"p\" not found");
    }

    [Fact]
    public async Task Pod_DefaultGraceOnNode_UsesTerminationGracePeriodSeconds()
    {
        var ns = await server.NewNamespaceAsync("gr");
        var pod = Pod("p", "node-1");
        pod.Spec.TerminationGracePeriodSeconds = 45;
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        var deleting = await Client.CoreV1.DeleteNamespacedPodAsync("p", ns);
        Assert.Equal(45, deleting.Metadata.DeletionGracePeriodSeconds);
    }

    [Fact]
    public async Task Namespace_Delete_RemovesContentsThenItself()
    {
        var ns = await server.NewNamespaceAsync("gone");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, ns);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("d"), ns);
        await Client.CoreV1.DeleteNamespaceAsync(ns);
        await WaitGoneAsync(() => Client.CoreV1.ReadNamespaceAsync(ns), TimeSpan.FromSeconds(20));
        Assert.DoesNotContain((await Client.CoreV1.ListConfigMapForAllNamespacesAsync()).Items, c => c.Metadata.NamespaceProperty == ns);
        Assert.DoesNotContain((await Client.AppsV1.ListDeploymentForAllNamespacesAsync()).Items, d => d.Metadata.NamespaceProperty == ns);
    }

    [Fact]
    public async Task Namespace_Terminating_RejectsNewContentWith403()
    {
        var ns = await server.NewNamespaceAsync("term");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/hold"] },
        }, ns);
        await Client.CoreV1.DeleteNamespaceAsync(ns);
        Assert.Equal("Terminating", (await Client.CoreV1.ReadNamespaceAsync(ns)).Status.Phase);

        var status = await Errors.StatusAsync(() => Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "new" } }, ns),
            HttpStatusCode.Forbidden, "Forbidden", $"configmaps \"new\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
        Assert.Equal("NamespaceTerminating", (string?)status["details"]?["causes"]?[0]?["reason"]);
        Assert.Equal("metadata.namespace", (string?)status["details"]?["causes"]?[0]?["field"]);

        // The held object blocks the namespace until its finalizer goes.
        await Task.Delay(500);
        var held = await Client.CoreV1.ReadNamespacedConfigMapAsync("held", ns);
        Assert.NotNull(held.Metadata.DeletionTimestamp);
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"metadata\":{\"finalizers\":[]}}", V1Patch.PatchType.MergePatch), "held", ns);
        await WaitGoneAsync(() => Client.CoreV1.ReadNamespaceAsync(ns), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Deployment_StatusSubresource_SeparatesSpecAndStatus()
    {
        var ns = await server.NewNamespaceAsync("st");
        var d = await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("d"), ns);
        Assert.Null(d.Status?.Replicas);

        d.Status = new V1DeploymentStatus { Replicas = 1, ObservedGeneration = 1 };
        d.Spec.Replicas = 7;   // ignored by a status write
        var afterStatus = await Client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(d, "d", ns);
        Assert.Equal(1, afterStatus.Status.Replicas);
        Assert.Equal(1, afterStatus.Spec.Replicas);
        Assert.Equal(1, afterStatus.Metadata.Generation);

        afterStatus.Status.Replicas = 5;   // ignored by a main write
        afterStatus.Spec.Replicas = 3;
        var afterMain = await Client.AppsV1.ReplaceNamespacedDeploymentAsync(afterStatus, "d", ns);
        Assert.Equal(1, afterMain.Status.Replicas);
        Assert.Equal(3, afterMain.Spec.Replicas);
        Assert.Equal(2, afterMain.Metadata.Generation);
    }

    [Fact]
    public async Task Deployment_PatchesThroughClient_BumpGenerationOnSpecOnly()
    {
        var ns = await server.NewNamespaceAsync("pa");
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("d"), ns);
        var merged = await Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("{\"spec\":{\"replicas\":4}}", V1Patch.PatchType.MergePatch), "d", ns);
        Assert.Equal(4, merged.Spec.Replicas);
        Assert.Equal(2, merged.Metadata.Generation);
        var json = await Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"a\":\"b\"}}]", V1Patch.PatchType.JsonPatch), "d", ns);
        Assert.Equal("b", json.Metadata.Labels["a"]);
        Assert.Equal(2, json.Metadata.Generation);
        var json2 = await Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":0}]", V1Patch.PatchType.JsonPatch), "d", ns);
        Assert.Equal(0, json2.Spec.Replicas);
        Assert.Equal(3, json2.Metadata.Generation);
    }

    [Fact]
    public async Task ConfigMap_DryRunCreate_ReturnsObjectButStoresNothing()
    {
        var ns = await server.NewNamespaceAsync("dry");
        var before = await server.Store.CurrentRevisionAsync(CancellationToken.None);
        var dry = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "d" } }, ns, dryRun: "All");
        Assert.Equal("d", dry.Metadata.Name);
        Assert.NotNull(dry.Metadata.Uid);
        Assert.True(string.IsNullOrEmpty(dry.Metadata.ResourceVersion));
        await Errors.StatusAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("d", ns), HttpStatusCode.NotFound, "NotFound", "configmaps \"d\" not found");
        Assert.DoesNotContain(await server.KeysWrittenSinceAsync(before), k => k.StartsWith("/registry/configmaps/" + ns + "/d", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfigMap_DeleteWithStaleResourceVersionPrecondition_Returns409()
    {
        var ns = await server.NewNamespaceAsync("pre");
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        cm.Data = new Dictionary<string, string> { ["x"] = "1" };
        var updated = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "c", ns);
        await Errors.StatusAsync(() => Client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns,
                new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = cm.Metadata.ResourceVersion } }),
            HttpStatusCode.Conflict, "Conflict",
            $"Operation cannot be fulfilled on configmaps \"c\": Precondition failed: ResourceVersion in precondition: {cm.Metadata.ResourceVersion}, ResourceVersion in object meta: {updated.Metadata.ResourceVersion}");
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns,
            new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = updated.Metadata.ResourceVersion } });
    }

    [Fact]
    public async Task Watch_AllNamespacesWithLabelSelectorFromZero_SendsMatchingObjectsThenChanges()
    {
        var ns = await server.NewNamespaceAsync("wa");
        var label = "it-" + ns;
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "a", Labels = new Dictionary<string, string> { ["run"] = label } },
        }, ns);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b" } }, ns);
        await using var watch = await WatchStream.OpenAsync(server.Http, $"/api/v1/configmaps?watch=true&resourceVersion=0&labelSelector=run%3D{label}");
        var first = await watch.NextAsync();
        Assert.Equal(("ADDED", "a"), (first!.Value.Type, (string?)first.Value.Object["metadata"]!["name"]));
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("a", ns);
        var gone = await watch.NextAsync();
        Assert.Equal(("DELETED", "a"), (gone!.Value.Type, (string?)gone.Value.Object["metadata"]!["name"]));
        Assert.True(await watch.IsQuietAsync(TimeSpan.FromMilliseconds(300)));
    }
}

[Collection("server")]
[Trait("Category", "Integration")]
public sealed class DeletionPolicyTests(ServerFixture fixture)
{
    private readonly TestServer server = fixture.Server;

    [Fact]
    public async Task ConfigMap_SecondDeleteWithForeground_AddsForegroundFinalizer()
    {
        var ns = await server.NewNamespaceAsync("fg");
        var c = server.Client;
        await c.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/hold"] },
        }, ns);
        await c.CoreV1.DeleteNamespacedConfigMapAsync("held", ns);
        var first = await c.CoreV1.ReadNamespacedConfigMapAsync("held", ns);
        Assert.Equal(["example.com/hold"], first.Metadata.Finalizers);
        await c.CoreV1.DeleteNamespacedConfigMapAsync("held", ns, propagationPolicy: "Foreground");
        var second = await c.CoreV1.ReadNamespacedConfigMapAsync("held", ns);
        Assert.Equal(["example.com/hold", "foregroundDeletion"], second.Metadata.Finalizers);
        Assert.Equal(first.Metadata.DeletionTimestamp, second.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task List_ResourceVersionZeroWithLimit_IgnoresLimitLikeTheWatchCache()
    {
        var ns = await server.NewNamespaceAsync("rv0");
        for (var i = 0; i < 5; i++)
            await server.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}" } }, ns);
        var list = await server.Client.CoreV1.ListNamespacedConfigMapAsync(ns, resourceVersion: "0", limit: 2);
        // The root CA publisher adds kube-root-ca.crt as soon as the namespace exists.
        Assert.Equal(5, list.Items.Count(c => c.Metadata.Name != "kube-root-ca.crt"));
        Assert.True(string.IsNullOrEmpty(list.Metadata.ContinueProperty));
        var paged = await server.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2);
        Assert.Equal(2, paged.Items.Count);
        Assert.False(string.IsNullOrEmpty(paged.Metadata.ContinueProperty));
    }
}
