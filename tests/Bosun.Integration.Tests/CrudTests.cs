using System.Net;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests;

[Collection("server")]
[Trait("Category", "Integration")]
public sealed class CrudTests(ServerFixture fixture)
{
    private readonly TestServer server = fixture.Server;
    private Kubernetes Client => server.Client;

    private static V1Pod Pod(string name, string? nodeName = null, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
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

    [Fact]
    public async Task Pod_CreateGetReplaceDelete_RoundTrips()
    {
        var ns = await server.NewNamespaceAsync();
        var created = await Client.CoreV1.CreateNamespacedPodAsync(Pod("p1"), ns);
        Assert.Equal("p1", created.Metadata.Name);
        Assert.Equal(ns, created.Metadata.NamespaceProperty);
        Assert.True(Guid.TryParse(created.Metadata.Uid, out _));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.True(long.Parse(created.Metadata.ResourceVersion) > 0);

        var got = await Client.CoreV1.ReadNamespacedPodAsync("p1", ns);
        Assert.Equal(created.Metadata.Uid, got.Metadata.Uid);
        Assert.Equal(created.Metadata.ResourceVersion, got.Metadata.ResourceVersion);

        got.Metadata.Labels = new Dictionary<string, string> { ["x"] = "y" };
        var replaced = await Client.CoreV1.ReplaceNamespacedPodAsync(got, "p1", ns);
        Assert.Equal("y", replaced.Metadata.Labels["x"]);
        Assert.True(long.Parse(replaced.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));
        Assert.Equal(created.Metadata.Uid, replaced.Metadata.Uid);

        await Client.CoreV1.DeleteNamespacedPodAsync("p1", ns);
        await Errors.StatusAsync(() => Client.CoreV1.ReadNamespacedPodAsync("p1", ns), HttpStatusCode.NotFound, "NotFound", "pods \"p1\" not found");
    }

    [Fact]
    public async Task ConfigMap_CreateGetReplaceDelete_RoundTrips()
    {
        var ns = await server.NewNamespaceAsync();
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "cm" },
            Data = new Dictionary<string, string> { ["a"] = "1" },
        }, ns);
        Assert.Null(cm.Metadata.Generation);
        cm.Data["b"] = "2";
        var replaced = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "cm", ns);
        Assert.Equal("2", replaced.Data["b"]);
        var got = await Client.CoreV1.ReadNamespacedConfigMapAsync("cm", ns);
        Assert.Equal(2, got.Data.Count);
        Assert.Equal(replaced.Metadata.ResourceVersion, got.Metadata.ResourceVersion);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("cm", ns);
        await Errors.StatusAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("cm", ns), HttpStatusCode.NotFound, "NotFound",
            "configmaps \"cm\" not found");
    }

    [Fact]
    public async Task Deployment_SpecAndLabelChanges_GenerationBumpedOnlyOnSpec()
    {
        var ns = await server.NewNamespaceAsync();
        var d = await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("x"), ns);
        Assert.Equal(1, d.Metadata.Generation);
        Assert.NotNull(d.Metadata.Uid);

        d.Spec.Replicas = 2;
        var v2 = await Client.AppsV1.ReplaceNamespacedDeploymentAsync(d, "x", ns);
        Assert.Equal(2, v2.Metadata.Generation);
        Assert.Equal(2, v2.Spec.Replicas);

        v2.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "web" };
        var v3 = await Client.AppsV1.ReplaceNamespacedDeploymentAsync(v2, "x", ns);
        Assert.Equal(2, v3.Metadata.Generation);
        Assert.Equal("web", v3.Metadata.Labels["tier"]);
        Assert.NotEqual(v2.Metadata.ResourceVersion, v3.Metadata.ResourceVersion);

        // d still carries the first resourceVersion.
        d.Spec.Replicas = 5;
        await Errors.StatusAsync(() => Client.AppsV1.ReplaceNamespacedDeploymentAsync(d, "x", ns), HttpStatusCode.Conflict, "Conflict",
            "Operation cannot be fulfilled on deployments.apps \"x\": the object has been modified; please apply your changes to the latest version and try again");
        Assert.Equal(2, (await Client.AppsV1.ReadNamespacedDeploymentAsync("x", ns)).Spec.Replicas);

        await Client.AppsV1.DeleteNamespacedDeploymentAsync("x", ns);
        await Errors.StatusAsync(() => Client.AppsV1.ReadNamespacedDeploymentAsync("x", ns), HttpStatusCode.NotFound, "NotFound",
            "deployments.apps \"x\" not found");
    }

    [Fact]
    public async Task Namespace_CreateGetReplaceDelete_GoesThroughTerminating()
    {
        var name = "crud-ns-" + Guid.NewGuid().ToString("N")[..6];
        var created = await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        Assert.Equal("Active", created.Status?.Phase);
        created.Metadata.Labels ??= new Dictionary<string, string>();
        created.Metadata.Labels["team"] = "a";
        var replaced = await Client.CoreV1.ReplaceNamespaceAsync(created, name);
        Assert.Equal("a", replaced.Metadata.Labels["team"]);
        Assert.Equal(name, replaced.Metadata.Labels["kubernetes.io/metadata.name"]);
        await Client.CoreV1.DeleteNamespaceAsync(name);
        // The namespace finalizer removes it once its contents are gone.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                var ns = await Client.CoreV1.ReadNamespaceAsync(name);
                Assert.NotNull(ns.Metadata.DeletionTimestamp);
                Assert.Equal("Terminating", ns.Status.Phase);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "namespace was not removed");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task GenerateName_Create_AddsFiveCharacterSuffix()
    {
        var ns = await server.NewNamespaceAsync();
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } }, ns);
        Assert.Matches("^gen-[a-z0-9]{5}$", cm.Metadata.Name);
        Assert.Equal("gen-", cm.Metadata.GenerateName);
        Assert.NotNull(await Client.CoreV1.ReadNamespacedConfigMapAsync(cm.Metadata.Name, ns));
    }

    [Fact]
    public async Task Pod_CreateExisting_Returns409AlreadyExists()
    {
        var ns = await server.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("x"), ns);
        var status = await Errors.StatusAsync(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("x"), ns), HttpStatusCode.Conflict, "AlreadyExists",
            "pods \"x\" already exists");
        Assert.Equal("x", (string?)status["details"]?["name"]);
        Assert.Equal("pods", (string?)status["details"]?["kind"]);
    }

    [Fact]
    public async Task Pod_GetMissing_Returns404NotFound()
    {
        var ns = await server.NewNamespaceAsync();
        await Errors.StatusAsync(() => Client.CoreV1.ReadNamespacedPodAsync("x", ns), HttpStatusCode.NotFound, "NotFound", "pods \"x\" not found");
    }

    [Fact]
    public async Task Pod_CreateInMissingNamespace_Returns404NamespaceNotFound()
    {
        await Errors.StatusAsync(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("x"), "nope"), HttpStatusCode.NotFound, "NotFound",
            "namespaces \"nope\" not found");
    }

    [Fact]
    public async Task ConfigMap_DeleteWithFinalizer_StaysUntilFinalizerRemoved()
    {
        var ns = await server.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "fin", Finalizers = ["example.com/hold"] },
        }, ns);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("fin", ns);
        var held = await Client.CoreV1.ReadNamespacedConfigMapAsync("fin", ns);
        Assert.NotNull(held.Metadata.DeletionTimestamp);
        Assert.Equal(["example.com/hold"], held.Metadata.Finalizers);

        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"metadata\":{\"finalizers\":null}}", V1Patch.PatchType.MergePatch), "fin", ns);
        await Errors.StatusAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("fin", ns), HttpStatusCode.NotFound, "NotFound",
            "configmaps \"fin\" not found");
    }

    [Fact]
    public async Task ConfigMap_ReplaceRemovingLastFinalizer_Deletes()
    {
        var ns = await server.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "fin", Finalizers = ["example.com/a", "example.com/b"] },
        }, ns);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("fin", ns);
        var held = await Client.CoreV1.ReadNamespacedConfigMapAsync("fin", ns);
        held.Metadata.Finalizers = ["example.com/b"];
        var stillHeld = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(held, "fin", ns);
        Assert.NotNull(stillHeld.Metadata.DeletionTimestamp);
        stillHeld.Metadata.Finalizers = [];
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(stillHeld, "fin", ns);
        await Errors.StatusAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("fin", ns), HttpStatusCode.NotFound, "NotFound",
            "configmaps \"fin\" not found");
    }

    [Fact]
    public async Task Pod_GracefulDeleteOnNode_StaysUntilDeletedWithGraceZero()
    {
        var ns = await server.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("g", nodeName: "node-1"), ns);
        var deleting = await Client.CoreV1.DeleteNamespacedPodAsync("g", ns, gracePeriodSeconds: 30);
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Equal(30, deleting.Metadata.DeletionGracePeriodSeconds);

        var got = await Client.CoreV1.ReadNamespacedPodAsync("g", ns);
        Assert.NotNull(got.Metadata.DeletionTimestamp);
        Assert.Equal(30, got.Metadata.DeletionGracePeriodSeconds);
        var dt = got.Metadata.DeletionTimestamp!.Value;
        Assert.InRange((dt - DateTime.UtcNow).TotalSeconds, 20, 31);

        await Client.CoreV1.DeleteNamespacedPodAsync("g", ns, gracePeriodSeconds: 0);
        await Errors.StatusAsync(() => Client.CoreV1.ReadNamespacedPodAsync("g", ns), HttpStatusCode.NotFound, "NotFound", "pods \"g\" not found");
    }

    [Fact]
    public async Task Pod_UnscheduledDelete_RemovedImmediately()
    {
        var ns = await server.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("u"), ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("u", ns, gracePeriodSeconds: 30);
        await Errors.StatusAsync(() => Client.CoreV1.ReadNamespacedPodAsync("u", ns), HttpStatusCode.NotFound, "NotFound", "pods \"u\" not found");
    }

    [Fact]
    public async Task Deployment_ForegroundDelete_RecordsForegroundDeletionFinalizer()
    {
        var ns = await server.NewNamespaceAsync();
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("fg"), ns);
        await Client.AppsV1.DeleteNamespacedDeploymentAsync("fg", ns, propagationPolicy: "Foreground");
        var got = await Client.AppsV1.ReadNamespacedDeploymentAsync("fg", ns);
        Assert.NotNull(got.Metadata.DeletionTimestamp);
        Assert.Contains("foregroundDeletion", got.Metadata.Finalizers);
    }

    [Fact]
    public async Task ConfigMap_DeleteCollectionWithLabelSelector_DeletesOnlyMatching()
    {
        var ns = await server.NewNamespaceAsync();
        foreach (var (name, app) in new[] { ("a", "one"), ("b", "one"), ("c", "two") })
            await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = app } },
            }, ns);
        await Client.CoreV1.DeleteCollectionNamespacedConfigMapAsync(ns, labelSelector: "app=one");
        var left = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        Assert.Equal(["c"], left.Items.Select(i => i.Metadata.Name).Where(n => n != "kube-root-ca.crt").ToArray());
    }
}
