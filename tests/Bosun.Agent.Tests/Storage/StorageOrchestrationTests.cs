using Bosun.Agent.Storage;
using Bosun.Api;
using Bosun.Client;
using Bosun.Controllers;
using Bosun.SimulatedNodes;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Agent.Tests.Storage;

/// <summary>
/// Storage orchestration end to end in one process: the real API server, the controller manager (PV binder,
/// StatefulSet), the scheduler (VolumeBinding), a simulated node playing the kubelet and this node's local-path
/// provisioner writing real directories under a temp data dir.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StorageOrchestrationTests : IAsyncLifetime
{
    private readonly CancellationTokenSource stop = new();
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "bosun-storage-" + Guid.NewGuid().ToString("N"));
    private TestCluster cluster = null!;
    private Task running = Task.CompletedTask;
    private string node = "";
    private static CancellationToken Ct => CancellationToken.None;
    private ApiClient Api => cluster.Api;
    private string StorageDir => new AgentPaths(dataDir).Storage;

    public async Task InitializeAsync()
    {
        cluster = await TestCluster.StartAsync();
        var loggers = NullLoggerFactory.Instance;
        var nodes = new SimulatedNodes.SimulatedNodes(Api, new SimulatedNodesOptions { Count = 1, NamePrefix = "stor-" }, loggers);
        await nodes.RegisterAsync(Ct);
        node = nodes.NodeNames.Single();
        var provisioner = new LocalPathProvisioner(Api, node, new AgentPaths(dataDir), loggers, TimeProvider.System);
        running = Task.WhenAll(
            nodes.RunAsync(stop.Token),
            new ControllerManager(Api, loggers, TimeProvider.System, "test").RunControllersAsync(stop.Token),
            new Scheduler.Scheduler(Api, loggers).RunSchedulingAsync(stop.Token),
            provisioner.RunAsync(stop.Token));
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        try { await running.WaitAsync(TimeSpan.FromSeconds(10)); } catch (OperationCanceledException) { }
        await cluster.DisposeAsync();
        try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
    }

    private static V1PersistentVolumeClaim Claim(string name, string? cls = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"], StorageClassName = cls,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
        },
    };

    private static V1Pod PodUsing(string name, string claim) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "app", Image = "busybox", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }] }],
            Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }],
        },
    };

    private async Task<V1PersistentVolumeClaim> BoundClaimAsync(string name)
    {
        V1PersistentVolumeClaim? claim = null;
        await TestCluster.EventuallyAsync(async () =>
            (claim = await Api.TryGetAsync<V1PersistentVolumeClaim>("default", name, Ct))?.Status?.Phase == "Bound", TimeSpan.FromSeconds(30), $"claim {name} bound");
        return claim!;
    }

    private Task<V1PersistentVolume?> VolumeAsync(string name) => Api.TryGetAsync<V1PersistentVolume>(null, name, Ct);

    [Fact]
    public async Task LocalPathClaim_FirstPodScheduled_SelectsNodeProvisionsDirectoryAndBinds()
    {
        await Api.CreateAsync("default", Claim("data"), Ct);
        await Task.Delay(300);
        var waiting = await Api.GetAsync<V1PersistentVolumeClaim>("default", "data", Ct);
        Assert.Equal("local-path", waiting.Spec.StorageClassName);
        Assert.Equal("Pending", waiting.Status.Phase);   // WaitForFirstConsumer: nothing happens without a pod

        await Api.CreateAsync("default", PodUsing("web", "data"), Ct);
        var claim = await BoundClaimAsync("data");

        Assert.Equal(node, claim.Metadata.Annotations[StorageAnnotations.SelectedNode]);
        Assert.Equal("yes", claim.Metadata.Annotations[StorageAnnotations.BindCompleted]);
        Assert.Equal("pvc-" + claim.Metadata.Uid, claim.Spec.VolumeName);
        var pv = (await VolumeAsync(claim.Spec.VolumeName))!;
        Assert.Equal("Bound", pv.Status.Phase);
        var dir = Path.Combine(StorageDir, $"pvc-{claim.Metadata.Uid}_default_data");
        Assert.Equal(dir, pv.Spec.HostPath.Path);
        Assert.True(Directory.Exists(dir));
        await TestCluster.EventuallyAsync(async () => (await Api.GetAsync<V1Pod>("default", "web", Ct)).Spec.NodeName == node);
    }

    [Fact]
    public async Task LocalPathClaim_Deleted_DeletesVolumeAndDirectory()
    {
        await Api.CreateAsync("default", Claim("data"), Ct);
        await Api.CreateAsync("default", PodUsing("web", "data"), Ct);
        var claim = await BoundClaimAsync("data");
        var dir = (await VolumeAsync(claim.Spec.VolumeName))!.Spec.HostPath.Path;
        File.WriteAllText(Path.Combine(dir, "file"), "kept until the claim goes");

        await Api.DeleteAsync<V1Pod>("default", "web", Ct, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await Api.DeleteAsync<V1PersistentVolumeClaim>("default", "data", Ct);

        await TestCluster.EventuallyAsync(async () => await VolumeAsync(claim.Spec.VolumeName) is null, TimeSpan.FromSeconds(30), "volume deleted");
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task RetainClass_ClaimDeleted_LeavesVolumeReleasedAndDirectory()
    {
        await Api.CreateAsync<V1StorageClass>(null, new V1StorageClass
        {
            Metadata = new V1ObjectMeta { Name = "keep" }, Provisioner = StorageAnnotations.LocalPathProvisioner,
            ReclaimPolicy = "Retain", VolumeBindingMode = StorageAnnotations.WaitForFirstConsumer,
        }, Ct);
        await Api.CreateAsync("default", Claim("data", "keep"), Ct);
        await Api.CreateAsync("default", PodUsing("web", "data"), Ct);
        var claim = await BoundClaimAsync("data");

        await Api.DeleteAsync<V1Pod>("default", "web", Ct, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await Api.DeleteAsync<V1PersistentVolumeClaim>("default", "data", Ct);

        await TestCluster.EventuallyAsync(async () => (await VolumeAsync(claim.Spec.VolumeName))?.Status.Phase == "Released",
            TimeSpan.FromSeconds(30), "volume released");
        Assert.True(Directory.Exists((await VolumeAsync(claim.Spec.VolumeName))!.Spec.HostPath.Path));
    }

    [Fact]
    public async Task StatefulSetClaims_OnePerOrdinal_SurvivePodDeletionAndAreReused()
    {
        var labels = new Dictionary<string, string> { ["app"] = "db" };
        await Api.CreateAsync("default", new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 2, ServiceName = "db", PodManagementPolicy = "Parallel",
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "db", Image = "busybox", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }] }] },
                },
                VolumeClaimTemplates = [Claim("data")],
            },
        }, Ct);
        var first0 = await BoundClaimAsync("data-db-0");
        var first1 = await BoundClaimAsync("data-db-1");
        Assert.NotEqual(first0.Spec.VolumeName, first1.Spec.VolumeName);

        var pod = await Api.GetAsync<V1Pod>("default", "db-0", Ct);
        await Api.DeleteAsync<V1Pod>("default", "db-0", Ct, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await TestCluster.EventuallyAsync(async () => (await Api.TryGetAsync<V1Pod>("default", "db-0", Ct))?.Metadata.Uid is { } uid && uid != pod.Metadata.Uid,
            TimeSpan.FromSeconds(30), "db-0 recreated");

        var again = await Api.GetAsync<V1PersistentVolumeClaim>("default", "data-db-0", Ct);
        Assert.Equal(first0.Metadata.Uid, again.Metadata.Uid);
        Assert.Equal(first0.Spec.VolumeName, again.Spec.VolumeName);
        var recreated = await Api.GetAsync<V1Pod>("default", "db-0", Ct);
        Assert.Equal("data-db-0", recreated.Spec.Volumes.Single(v => v.Name == "data").PersistentVolumeClaim.ClaimName);
    }
}
