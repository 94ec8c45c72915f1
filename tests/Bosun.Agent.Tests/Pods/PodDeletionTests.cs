using Bosun.Agent.Node;
using Bosun.Agent.Pods;
using Bosun.Agent.Probes;
using Bosun.Agent.Volumes;
using Bosun.Client;
using Bosun.Cri;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Agent.Tests.Pods;

/// <summary>
/// A deleted pod's node copy is removed once: the pod workers against a real API server (loopback) and an in-memory
/// CRI runtime that counts calls; the relist runs every 50 ms so that the events after a teardown do happen.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PodDeletionTests : IAsyncLifetime
{
    private const string Node = "node-a";
    private readonly string dir = Directory.CreateTempSubdirectory("bosun-poddel-").FullName;
    private readonly FakeCriRuntime runtime = new();
    private readonly CountingVolumes volumes = new();
    private readonly CancellationTokenSource stop = new();
    private TestCluster cluster = null!;
    private PodWorkers workers = null!;
    private Task running = Task.CompletedTask;
    private string CgroupMount => Path.Combine(dir, "cgroup");

    public async Task InitializeAsync()
    {
        cluster = await TestCluster.StartAsync();
        try { await cluster.Api.CreateAsync("default", new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default" } }, stop.Token); }
        catch (ApiException e) when (e.IsAlreadyExists) { }
        Directory.CreateDirectory(CgroupMount);
        File.WriteAllText(Path.Combine(CgroupMount, "cgroup.controllers"), "");   // a cgroup v2 tree the test owns
        var options = new AgentOptions { NodeName = Node, DataDir = dir, RuntimeEndpoint = "unix:///unused", CgroupRoot = "/bosun-test", RelistInterval = TimeSpan.FromMilliseconds(50) };
        var cri = CriChannel.ForInvoker(runtime);
        var api = cluster.Api;
        var time = TimeProvider.System;
        var backoff = new RestartBackoff(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
        var node = new NodeIdentity(Node, "127.0.0.1", new Dictionary<string, ResourceQuantity>());
        var pods = new CriPodRuntime(cri);
        var applier = new PodApplier(pods, new ImagePuller(cri.Images, RestartBackoff.ForImagePulls(), time, null, new PullAuthSource(api, options.Registries, null)),
            volumes, new ProbeExecutor(cri.Runtime, new HttpClient()), new EnvSourceReader(api), new AgentPaths(dir), new PodCgroups(options.CgroupRoot, CgroupMount),
            options, node, DnsSettings.Empty, backoff, time, null, NullLogger.Instance);
        workers = new PodWorkers(api, pods, applier, node, options, backoff, time, NullLoggerFactory.Instance);
        running = workers.RunAsync(stop.Token);
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        await running;
        await cluster.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    private async Task<string> StartPodAsync(string name)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new V1PodSpec
            {
                NodeName = Node,
                AutomountServiceAccountToken = false,
                TerminationGracePeriodSeconds = 1,
                Containers = [new V1Container { Name = "main", Image = "busybox:1.36", ImagePullPolicy = "IfNotPresent" }],
            },
        };
        var created = await cluster.Api.CreateAsync("default", pod, stop.Token);
        await TestCluster.EventuallyAsync(() => Task.FromResult(runtime.AnyRunning), because: "the pod's container runs");
        Assert.True(Directory.Exists(PodCgroup(created.Metadata.Uid)));
        return created.Metadata.Uid;
    }

    private string PodCgroup(string uid) => CgroupMount + "/bosun-test/pod" + uid;

    /// <summary>The pod is gone from the API, its worker has ended, and the relist has looked three more times.</summary>
    private async Task WaitUntilSettledAsync(string name)
    {
        await TestCluster.EventuallyAsync(async () => await cluster.Api.TryGetAsync<V1Pod>("default", name, stop.Token) is null, because: "the pod is deleted");
        await TestCluster.EventuallyAsync(() => Task.FromResult(workers.ActiveWorkers == 0), because: "the pod's worker ends");
        var relists = runtime.Relists;
        await TestCluster.EventuallyAsync(() => Task.FromResult(runtime.Relists >= relists + 3), because: "the relist runs on");
    }

    private void AssertTornDownOnce(string uid, int sandboxStops = 1, int sandboxRemoves = 1)
    {
        string Counts(params string[] methods) => string.Join(", ", methods.Select(m => $"{m}={runtime.CallsOf(m)}"));
        Assert.Equal($"StopContainer=1, StopPodSandbox={sandboxStops}, RemoveContainer=1, RemovePodSandbox={sandboxRemoves}, volume teardowns=1",
            Counts("StopContainer", "StopPodSandbox", "RemoveContainer", "RemovePodSandbox") + $", volume teardowns={volumes.TornDown.Count}");
        Assert.Equal([uid], volumes.TornDown);
        Assert.Equal(0, runtime.SandboxCount);
        Assert.False(Directory.Exists(PodCgroup(uid)));
    }

    [Fact]
    public async Task GracefulDelete_StopsRemovesAndTearsDownOnce_ThenLaterEventsDoNothingMore()
    {
        var uid = await StartPodAsync("graceful");

        await cluster.Api.DeleteAsync<V1Pod>("default", "graceful", stop.Token, new V1DeleteOptions { GracePeriodSeconds = 1 });
        await WaitUntilSettledAsync("graceful");

        AssertTornDownOnce(uid);
    }

    [Fact]
    public async Task ForceDelete_TheObjectsDisappearance_TearsDownOnce()
    {
        var uid = await StartPodAsync("forced");

        await cluster.Api.DeleteAsync<V1Pod>("default", "forced", stop.Token, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await WaitUntilSettledAsync("forced");

        AssertTornDownOnce(uid);
    }

    [Fact]
    public async Task SandboxWhoseRemovalFails_IsStoppedAgainThenRemoved_StillOneTeardown()
    {
        var uid = await StartPodAsync("netns-open");
        runtime.NextStopLeavesNetnsOpen = true;   // the stop's network teardown fails: containerd then refuses the removal

        await cluster.Api.DeleteAsync<V1Pod>("default", "netns-open", stop.Token, new V1DeleteOptions { GracePeriodSeconds = 1 });
        await WaitUntilSettledAsync("netns-open");

        AssertTornDownOnce(uid, sandboxStops: 2, sandboxRemoves: 2);
    }

    /// <summary>No volumes to set up; records each teardown.</summary>
    private sealed class CountingVolumes : IVolumeManager
    {
        private readonly List<string> tornDown = [];

        public List<string> TornDown
        {
            get { lock (tornDown) return [.. tornDown]; }
        }

        public Task<IReadOnlyDictionary<string, string>> SetUpAsync(V1Pod pod, CancellationToken ct) =>
            Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());

        public Task TearDownAsync(string podUid, CancellationToken ct)
        {
            lock (tornDown) tornDown.Add(podUid);
            return Task.CompletedTask;
        }
    }
}
