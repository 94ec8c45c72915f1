using Bosun.Agent.Pods;
using static Bosun.Agent.Tests.Pods.PodFixtures;

namespace Bosun.Agent.Tests.Pods;

public sealed class PodActionsTests
{
    private readonly RestartBackoff backoff = RestartBackoff.ForContainers();

    private PodActions Compute(k8s.Models.V1Pod pod, PodRuntimeState state, DateTime? now = null, ProbeSnapshot? probes = null) =>
        PodActions.Compute(pod, state, probes ?? ProbeSnapshot.None, now ?? T0.AddMinutes(1), backoff);

    [Fact]
    public void Compute_NewPod_CreatesSandboxAndStartsAllAppContainers()
    {
        var a = Compute(Pod(apps: ["a", "b"]), PodRuntimeState.Empty);
        Assert.True(a.CreateSandbox);
        Assert.Equal(0u, a.SandboxAttempt);
        Assert.False(a.KillPod);
        Assert.Equal(["a", "b"], a.ContainersToStart.Select(s => s.Name));
    }

    [Fact]
    public void Compute_NewPodWithInitContainers_StartsOnlyTheFirstInitContainer()
    {
        var a = Compute(Pod(init: ["i1", "i2"]), PodRuntimeState.Empty);
        Assert.True(a.CreateSandbox);
        var start = Assert.Single(a.ContainersToStart);
        Assert.Equal("i1", start.Name);
        Assert.True(start.IsInit);
    }

    [Fact]
    public void Compute_InitContainersRunInOrder_NextAfterEachSuccess()
    {
        var pod = Pod(init: ["i1", "i2"]);
        Assert.Empty(Compute(pod, State(Sandbox(), Running(pod, "i1"))).ContainersToStart);
        Assert.Equal("i2", Assert.Single(Compute(pod, State(Sandbox(), Exited(pod, "i1", 0))).ContainersToStart).Name);
        var apps = Compute(pod, State(Sandbox(), Exited(pod, "i1", 0), Exited(pod, "i2", 0)));
        Assert.Equal("app", Assert.Single(apps.ContainersToStart).Name);
        Assert.False(Assert.Single(apps.ContainersToStart).IsInit);
    }

    [Fact]
    public void Compute_FailedInitContainerWithRestartNever_KillsPod()
    {
        var pod = Pod("Never", init: ["i1"]);
        var a = Compute(pod, State(Sandbox(), Exited(pod, "i1", 1)));
        Assert.True(a.KillPod);
        Assert.Empty(a.ContainersToStart);
    }

    [Fact]
    public void Compute_FailedInitContainerWithRestartAlways_RestartsItWithCount()
    {
        var pod = Pod("Always", init: ["i1", "i2"]);
        var start = Assert.Single(Compute(pod, State(Sandbox(), Exited(pod, "i1", 0), Exited(pod, "i2", 1))).ContainersToStart);
        Assert.Equal("i2", start.Name);
        Assert.Equal(1, start.RestartCount);
    }

    [Fact]
    public void Compute_RunningPod_DoesNothing()
    {
        var pod = Pod();
        Assert.True(Compute(pod, State(Sandbox(), Running(pod, "app"))).IsEmpty);
    }

    [Theory]
    [InlineData("Always", 0, true)]
    [InlineData("Always", 1, true)]
    [InlineData("OnFailure", 0, false)]
    [InlineData("OnFailure", 1, true)]
    [InlineData("Never", 0, false)]
    [InlineData("Never", 1, false)]
    public void Compute_ExitedContainer_RestartsPerRestartPolicy(string policy, int exitCode, bool restarts)
    {
        var pod = Pod(policy);
        var a = Compute(pod, State(Sandbox(), Exited(pod, "app", exitCode)));
        Assert.Equal(restarts, a.ContainersToStart.Any(s => s.Name == "app"));
        // Nothing left to run: the sandbox is stopped.
        Assert.Equal(!restarts, a.KillPod);
    }

    [Fact]
    public void Compute_CrashingContainer_BacksOffDoublingFrom10sCappedAt5m()
    {
        var pod = Pod();
        var expected = new[] { 10, 20, 40, 80, 160, 300, 300 };
        var now = T0;
        // First crash: restarts at once and starts the back-off.
        var exit = now;
        var first = Compute(pod, State(Sandbox(), Exited(pod, "app", 1, 0, exit)), now);
        Assert.Single(first.ContainersToStart);
        backoff.Next(RestartBackoff.Key("uid-1", "app", Hash(pod, "app")), exit, now);
        for (var i = 0; i < expected.Length; i++)
        {
            now = now.AddSeconds(1);
            exit = now;   // crashed again right after starting
            var state = State(Sandbox(), Exited(pod, "app", 1, i + 1, exit));
            var held = Compute(pod, state, now.AddSeconds(expected[i] - 1));
            Assert.Empty(held.ContainersToStart);
            Assert.Equal("CrashLoopBackOff", held.Waiting["app"].Reason);
            Assert.Contains($"back-off {PodActions.GoDuration(TimeSpan.FromSeconds(expected[i]))} restarting failed container=app pod=web_default(uid-1)", held.Waiting["app"].Message);
            Assert.Equal(TimeSpan.FromSeconds(1), held.RequeueAfter);
            now = now.AddSeconds(expected[i]);
            Assert.Single(Compute(pod, state, now).ContainersToStart);
            backoff.Next(RestartBackoff.Key("uid-1", "app", Hash(pod, "app")), exit, now);
        }
    }

    [Fact]
    public void Compute_ContainerThatRanTenMinutes_BackOffStartsOver()
    {
        var pod = Pod();
        var key = RestartBackoff.Key("uid-1", "app", Hash(pod, "app"));
        for (var i = 0; i < 5; i++) backoff.Next(key, T0, T0);
        Assert.Equal(TimeSpan.FromSeconds(160), backoff.Delay(key));
        var exit = T0.AddMinutes(11);
        var a = Compute(pod, State(Sandbox(), Exited(pod, "app", 1, 5, exit)), exit.AddSeconds(1));
        Assert.Single(a.ContainersToStart);
        backoff.Next(key, exit, exit.AddSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Delay(key));
    }

    [Fact]
    public void Compute_SpecHashChanged_KillsAndRestartsContainer()
    {
        var pod = Pod();
        var running = Running(pod, "app") with { Hash = "stale" };
        var a = Compute(pod, State(Sandbox(), running));
        var kill = Assert.Single(a.ContainersToKill);
        Assert.Equal("Container app definition changed, will be restarted", kill.Message);
        Assert.Equal(1, Assert.Single(a.ContainersToStart).RestartCount);
    }

    [Fact]
    public void Compute_LivenessFailure_RestartsContainer()
    {
        var pod = Pod();
        var c = Running(pod, "app");
        var probes = ProbeSnapshot.None with { LivenessFailed = new Dictionary<string, string> { [c.Id] = "exit 1" } };
        var a = Compute(pod, State(Sandbox(), c), probes: probes);
        Assert.Equal("Container app failed liveness probe, will be restarted", Assert.Single(a.ContainersToKill).Message);
        Assert.Single(a.ContainersToStart);
    }

    [Fact]
    public void Compute_LivenessFailureWithRestartNever_OnlyKills()
    {
        var pod = Pod("Never");
        var c = Running(pod, "app");
        var probes = ProbeSnapshot.None with { LivenessFailed = new Dictionary<string, string> { [c.Id] = "exit 1" } };
        var a = Compute(pod, State(Sandbox(), c), probes: probes);
        Assert.Equal("Container app failed liveness probe", Assert.Single(a.ContainersToKill).Message);
        Assert.Empty(a.ContainersToStart);
    }

    [Fact]
    public void Compute_SandboxDied_RecreatesWithNextAttempt()
    {
        var pod = Pod();
        var a = Compute(pod, State(Sandbox(ready: false, attempt: 2), Exited(pod, "app", 137)));
        Assert.True(a.CreateSandbox);
        Assert.True(a.KillPod);
        Assert.Equal(3u, a.SandboxAttempt);
        Assert.Equal(1, Assert.Single(a.ContainersToStart).RestartCount);
    }

    [Fact]
    public void Compute_SandboxDiedWithRestartNever_DoesNotRecreate()
    {
        var pod = Pod("Never");
        var a = Compute(pod, State(Sandbox(ready: false, attempt: 0), Exited(pod, "app", 0)));
        Assert.False(a.CreateSandbox);
        Assert.Empty(a.ContainersToStart);
    }

    [Fact]
    public void Compute_DeletedPod_KillsWithDeletionGracePeriod()
    {
        var pod = Pod();
        pod.Metadata.DeletionTimestamp = T0;
        pod.Metadata.DeletionGracePeriodSeconds = 7;
        var a = Compute(pod, State(Sandbox(), Running(pod, "app")));
        Assert.True(a.KillPod);
        Assert.True(a.Deleting);
        Assert.Equal(7, a.GracePeriodSeconds);
        Assert.Empty(a.ContainersToStart);
    }

    [Fact]
    public void Compute_TerminalPod_StartsNothing()
    {
        var pod = Pod();
        pod.Status.Phase = "Failed";
        var a = Compute(pod, State(Sandbox(ready: false), Exited(pod, "app", 1)));
        Assert.True(a.IsEmpty);
    }
}
