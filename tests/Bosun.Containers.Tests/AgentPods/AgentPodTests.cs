using Bosun.Agent;
using Bosun.Client;
using Bosun.Cri.V1;
using Bosun.Testing;
using k8s.Models;
using static Bosun.Containers.Tests.AgentPods.TestPods;

namespace Bosun.Containers.Tests.AgentPods;

[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class AgentPodTests(AgentCluster fixture)
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);
    private ApiClient Api => fixture.Cluster.Api;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    private async Task<string> ExecAsync(string containerId, params string[] cmd)
    {
        var request = new ExecSyncRequest { ContainerId = containerId, Timeout = 10 };
        request.Cmd.AddRange(cmd);
        var r = await fixture.Containerd.Cri.Runtime.ExecSyncAsync(request);
        return r.Stdout.ToStringUtf8();
    }

    private static string ContainerId(V1Pod pod, string name) =>
        pod.Status.ContainerStatuses.Single(c => c.Name == name).ContainerID["containerd://".Length..];

    [Fact]
    public async Task Agent_RegistersNode_ReadyWithRuntimeVersionAndLease()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var n = await Api.GetAsync<V1Node>(null, node, CancellationToken.None);
        Assert.StartsWith("containerd://", n.Status.NodeInfo.ContainerRuntimeVersion);
        Assert.Equal("110", n.Status.Capacity["pods"].ToString());
        Assert.Contains(n.Status.Addresses, a => a.Type == "InternalIP" && a.Address == "127.0.0.1");
        var ready = n.Status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("True", "KubeletReady", "kubelet is posting ready status"), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal(10250, n.Status.DaemonEndpoints.KubeletEndpoint.Port);
        var lease = await Api.GetAsync<V1Lease>("kube-node-lease", node, CancellationToken.None);
        Assert.Equal(node, lease.Spec.HolderIdentity);
        Assert.Equal(fixture.Options(node).DefaultPodCidr, agent.PodCidr);
    }

    [Fact]
    public async Task Pod_WithInitContainers_RunsThemInOrderThenRunningAndReady()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("init");
        var pod = Pod(name, node, "Always", Busybox("app", "sleep 3600"));
        pod.Spec.InitContainers = [Busybox("first", "echo one >> /work/order"), Busybox("second", "echo two >> /work/order")];
        pod.Spec.Volumes = [new V1Volume { Name = "work", EmptyDir = new V1EmptyDirVolumeSource() }];
        foreach (var c in pod.Spec.InitContainers.Concat(pod.Spec.Containers)) c.VolumeMounts = [new V1VolumeMount { Name = "work", MountPath = "/work" }];
        await CreateAsync(Api, pod);

        var running = await WaitAsync(Api, name, p => p.Status?.Phase == "Running" && IsReady(p), Start, "pod Running and Ready");
        Assert.Equal("one\ntwo\n", await ExecAsync(ContainerId(running, "app"), "cat", "/work/order"));
        Assert.All(running.Status.InitContainerStatuses, s => Assert.Equal("Completed", s.State.Terminated.Reason));
        Assert.True(running.Status.ContainerStatuses[0].Ready);
        Assert.StartsWith(fixture.Containerd.Subnet.BaseAddress.ToString()[..^1], running.Status.PodIP);
        Assert.Equal("True", running.Status.Conditions.Single(c => c.Type == "Initialized").Status);
        // The pod's own /etc/hosts names it, and resolv.conf carries the cluster search path.
        Assert.Contains($"{running.Status.PodIP}\t{name}", await ExecAsync(ContainerId(running, "app"), "cat", "/etc/hosts"));
        Assert.Contains("search default.svc.cluster.local svc.cluster.local cluster.local", await ExecAsync(ContainerId(running, "app"), "cat", "/etc/resolv.conf"));
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Pod_RestartNeverExitOne_Failed()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("never");
        await CreateAsync(Api, Pod(name, node, "Never", Busybox("app", "exit 1")));
        var failed = await WaitAsync(Api, name, p => p.Status?.Phase == "Failed", Start, "pod Failed");
        var t = failed.Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal((1, "Error"), (t.ExitCode, t.Reason));
        Assert.Equal(0, failed.Status.ContainerStatuses[0].RestartCount);
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Pod_RestartOnFailure_RestartsTheFailedContainer()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("onfailure");
        await CreateAsync(Api, Pod(name, node, "OnFailure", Busybox("app", "sleep 1; exit 3")));
        var restarted = await WaitAsync(Api, name, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.RestartCount >= 1, Start, "a restart");
        Assert.Equal(3, restarted.Status.ContainerStatuses[0].LastState.Terminated?.ExitCode ?? restarted.Status.ContainerStatuses[0].State.Terminated?.ExitCode);
        Assert.NotEqual("Failed", restarted.Status.Phase);
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Pod_CrashingContainer_CrashLoopBackOffWithGrowingDelay()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("crash");
        await CreateAsync(Api, Pod(name, node, "Always", Busybox("app", "exit 1")));
        var restartSeen = new Dictionary<int, DateTime>();
        string? backoffMessage = null;
        await TestCluster.EventuallyAsync(async () =>
        {
            var s = (await GetAsync(Api, name)).Status?.ContainerStatuses?.FirstOrDefault();
            if (s is null) return false;
            restartSeen.TryAdd(s.RestartCount, DateTime.UtcNow);
            if (s.State.Waiting?.Reason == "CrashLoopBackOff") backoffMessage ??= s.State.Waiting.Message;
            return s.RestartCount >= 4;
        }, TimeSpan.FromSeconds(90), "four restarts");
        Assert.NotNull(backoffMessage);
        Assert.Matches(@"^back-off \d+s restarting failed container=app pod=" + name + @"_default\(", backoffMessage);
        // Back-off 2 s, 4 s, 8 s (doubling): each wait between restarts is longer than the one before.
        var gap2 = restartSeen[3] - restartSeen[2];
        var gap3 = restartSeen[4] - restartSeen[3];
        Assert.True(gap3 > gap2, $"back-off did not grow: {gap2} then {gap3}");
        Assert.True(gap3 >= TimeSpan.FromSeconds(5), $"third back-off too short: {gap3}");
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Pod_LivenessExecProbeFails_ContainerRestarted()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("liveness");
        var c = Busybox("app", "touch /tmp/healthy; sleep 3; rm -f /tmp/healthy; sleep 600");
        c.LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "/tmp/healthy"] }, InitialDelaySeconds = 1, PeriodSeconds = 1, FailureThreshold = 1 };
        await CreateAsync(Api, Pod(name, node, "Always", c));
        var restarted = await WaitAsync(Api, name, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.RestartCount >= 1, Start, "a liveness restart");
        Assert.Equal(1, restarted.Status.ContainerStatuses[0].RestartCount);
        await TestCluster.EventuallyAsync(async () =>
        {
            var events = await Api.ListAsync<Corev1EventList>(typeof(Corev1Event), "default", ListQuery.Everything, CancellationToken.None);
            return events.Items.Any(e => e.InvolvedObject.Name == name && e.Reason == "Killing" && e.Message == "Container app failed liveness probe, will be restarted")
                && events.Items.Any(e => e.InvolvedObject.Name == name && e.Reason == "Unhealthy" && e.Message.StartsWith("Liveness probe failed:", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(10), "Killing and Unhealthy events");
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Pod_ReadinessProbe_FlipsReadyBothWays()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("readiness");
        var c = Busybox("app", "sleep 3600");
        c.ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "/tmp/ready"] }, PeriodSeconds = 1, FailureThreshold = 1 };
        await CreateAsync(Api, Pod(name, node, "Always", c));
        var running = await WaitAsync(Api, name, p => p.Status?.Phase == "Running", Start, "pod Running");
        Assert.False(IsReady(running));
        var id = ContainerId(running, "app");
        await ExecAsync(id, "touch", "/tmp/ready");
        await WaitAsync(Api, name, IsReady, TimeSpan.FromSeconds(20), "Ready after the file appears");
        await ExecAsync(id, "rm", "/tmp/ready");
        await WaitAsync(Api, name, p => !IsReady(p), TimeSpan.FromSeconds(20), "not Ready after the file goes");
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Pod_MissingImage_ErrImagePullThenImagePullBackOff()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("noimage");
        var port = FreePort();
        var c = new V1Container { Name = "app", Image = $"127.0.0.1:{port}/bosun/missing:1", ImagePullPolicy = "IfNotPresent" };
        await CreateAsync(Api, Pod(name, node, "Always", c));
        // ErrImagePull lasts until the next sync, which already finds the pull backing off: it shows in events for sure.
        var image = $"127.0.0.1:{port}/bosun/missing:1";
        var backoff = await WaitAsync(Api, name, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ImagePullBackOff", Start, "ImagePullBackOff");
        Assert.Equal($"Back-off pulling image \"{image}\"", backoff.Status.ContainerStatuses[0].State.Waiting.Message);
        await TestCluster.EventuallyAsync(async () =>
        {
            var events = (await Api.ListAsync<Corev1EventList>(typeof(Corev1Event), "default", ListQuery.Everything, CancellationToken.None)).Items
                .Where(e => e.InvolvedObject.Name == name).ToList();
            return events.Any(e => e.Reason == "Failed" && e.Message.StartsWith($"Failed to pull image \"{image}\": ", StringComparison.Ordinal))
                && events.Any(e => e.Reason == "Failed" && e.Message == "Error: ErrImagePull")
                && events.Any(e => e.Reason == "BackOff" && e.Message == $"Back-off pulling image \"{image}\"");
        }, TimeSpan.FromSeconds(20), "pull failure events");
        Assert.Equal("Pending", backoff.Status.Phase);
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Delete_RunsPreStopAndHonoursGracePeriod_ThenRemovesEverything()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("grace");
        var c = Busybox("app", "sleep 3600");   // PID 1 ignores SIGTERM: only SIGKILL at the end of the grace period stops it
        c.Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "echo prestop-ran > /proc/1/fd/1"] } } };
        var pod = Pod(name, node, "Always", c);
        pod.Spec.TerminationGracePeriodSeconds = 4;
        var created = await CreateAsync(Api, pod);
        var uid = created.Metadata.Uid;
        await WaitAsync(Api, name, p => p.Status?.Phase == "Running", Start, "pod Running");
        var log = Path.Combine(new AgentPaths(fixture.Containerd.DataDir).PodLogDir("default", name, uid), "app", "0.log");

        var started = DateTime.UtcNow;
        await Api.DeleteAsync<V1Pod>("default", name, CancellationToken.None);
        await TestCluster.EventuallyAsync(() => Task.FromResult(File.Exists(log) && File.ReadAllText(log).Contains("prestop-ran")), TimeSpan.FromSeconds(10), "preStop output in the log");
        await TestCluster.EventuallyAsync(async () => await Api.TryGetAsync<V1Pod>("default", name, CancellationToken.None) is null, TimeSpan.FromSeconds(30), "pod gone");
        var took = DateTime.UtcNow - started;
        Assert.True(took >= TimeSpan.FromSeconds(3.5), $"the grace period was not honoured: gone after {took}");
        Assert.True(took < TimeSpan.FromSeconds(20), $"deletion took too long: {took}");
        var sandboxes = await fixture.Containerd.Cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = new PodSandboxFilter { LabelSelector = { [CriLabels.PodUid] = uid } } });
        Assert.Empty(sandboxes.Items);
        Assert.False(Directory.Exists(new AgentPaths(fixture.Containerd.DataDir).PodDir(uid)));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/memory/bosun-test-{fixture.Containerd.Id}/pod{uid}"));
    }

    [Fact]
    public async Task RestartedAgent_AdoptsRunningPods_WithoutRestartingContainers()
    {
        var node = Unique("node");
        var name = Unique("adopt");
        string containerId;
        await using (var first = await fixture.StartAgentAsync(node))
        {
            await CreateAsync(Api, Pod(name, node, "Always", Busybox("app", "sleep 3600")));
            var running = await WaitAsync(Api, name, p => p.Status?.Phase == "Running" && IsReady(p), Start, "pod Running");
            containerId = ContainerId(running, "app");
        }
        // The agent is gone; its pod still runs.
        var status = await fixture.Containerd.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId });
        Assert.Equal(ContainerState.ContainerRunning, status.Status.State);

        await using var second = await fixture.StartAgentAsync(node);
        await Task.Delay(TimeSpan.FromSeconds(4));   // a few relist rounds and syncs
        var pod = await GetAsync(Api, name);
        Assert.Equal(containerId, ContainerId(pod, "app"));
        Assert.Equal(0, pod.Status.ContainerStatuses[0].RestartCount);
        Assert.Equal("Running", pod.Status.Phase);
        status = await fixture.Containerd.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId });
        Assert.Equal(ContainerState.ContainerRunning, status.Status.State);
        await DeleteAndWaitAsync(Api, name);
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
