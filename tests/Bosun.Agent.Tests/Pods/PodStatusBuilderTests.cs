using Bosun.Agent.Pods;
using static Bosun.Agent.Tests.Pods.PodFixtures;

namespace Bosun.Agent.Tests.Pods;

public sealed class PodStatusBuilderTests
{
    private static readonly Dictionary<string, ContainerWaiting> NoWaiting = [];

    private static k8s.Models.V1PodStatus Build(k8s.Models.V1Pod pod, PodRuntimeState state, IReadOnlyDictionary<string, ContainerWaiting>? waiting = null, ProbeSnapshot? probes = null) =>
        PodStatusBuilder.Compute(pod, state, probes ?? ProbeSnapshot.None, waiting ?? NoWaiting, "192.0.2.10", T0.AddMinutes(1));

    private static string Cond(k8s.Models.V1PodStatus s, string type) => s.Conditions.Single(c => c.Type == type).Status;

    [Fact]
    public void Compute_NothingStarted_PendingWithContainerCreating()
    {
        var s = Build(Pod(), PodRuntimeState.Empty);
        Assert.Equal("Pending", s.Phase);
        Assert.Equal("ContainerCreating", s.ContainerStatuses[0].State.Waiting.Reason);
        Assert.Equal("False", Cond(s, "Ready"));
        Assert.Equal("False", Cond(s, "PodReadyToStartContainers"));
    }

    [Fact]
    public void Compute_InitRunning_PendingWithPodInitializingAndNotInitialized()
    {
        var pod = Pod(init: ["i1"]);
        var s = Build(pod, State(Sandbox(), Running(pod, "i1")));
        Assert.Equal("Pending", s.Phase);
        Assert.Equal("PodInitializing", s.ContainerStatuses[0].State.Waiting.Reason);
        var init = s.Conditions.Single(c => c.Type == "Initialized");
        Assert.Equal("False", init.Status);
        Assert.Equal("containers with incomplete status: [i1]", init.Message);
        Assert.Equal("True", Cond(s, "PodReadyToStartContainers"));
    }

    [Fact]
    public void Compute_AllRunning_RunningReadyWithIpsAndContainerIds()
    {
        var pod = Pod(init: ["i1"]);
        var s = Build(pod, State(Sandbox(), Exited(pod, "i1", 0), Running(pod, "app")));
        Assert.Equal("Running", s.Phase);
        Assert.Equal("10.88.0.5", s.PodIP);
        Assert.Equal("192.0.2.10", s.HostIP);
        Assert.Equal("True", Cond(s, "Initialized"));
        Assert.Equal("True", Cond(s, "ContainersReady"));
        Assert.Equal("True", Cond(s, "Ready"));
        Assert.True(s.ContainerStatuses[0].Ready);
        Assert.Equal("containerd://c-app0", s.ContainerStatuses[0].ContainerID);
        Assert.Equal("Completed", s.InitContainerStatuses[0].State.Terminated.Reason);
        Assert.True(s.InitContainerStatuses[0].Ready);
    }

    [Fact]
    public void Compute_ReadinessProbeNotPassed_NotReady()
    {
        var pod = Pod();
        pod.Spec.Containers[0].ReadinessProbe = new k8s.Models.V1Probe();
        var s = Build(pod, State(Sandbox(), Running(pod, "app")));
        Assert.Equal("Running", s.Phase);
        Assert.False(s.ContainerStatuses[0].Ready);
        Assert.Equal("containers with unready status: [app]", s.Conditions.Single(c => c.Type == "Ready").Message);
        var ready = ProbeSnapshot.None with { Ready = new HashSet<string> { "c-app0" } };
        Assert.Equal("True", Cond(Build(pod, State(Sandbox(), Running(pod, "app")), probes: ready), "Ready"));
    }

    [Theory]
    [InlineData("Never", 1, "Failed")]
    [InlineData("Never", 0, "Succeeded")]
    [InlineData("OnFailure", 0, "Succeeded")]
    [InlineData("OnFailure", 1, "Running")]
    [InlineData("Always", 0, "Running")]
    public void Compute_ExitedContainer_PhasePerRestartPolicy(string policy, int exit, string phase)
    {
        var pod = Pod(policy);
        Assert.Equal(phase, Build(pod, State(Sandbox(ready: false), Exited(pod, "app", exit))).Phase);
    }

    [Fact]
    public void Compute_FailedInitWithNever_Failed()
    {
        var pod = Pod("Never", init: ["i1"]);
        Assert.Equal("Failed", Build(pod, State(Sandbox(), Exited(pod, "i1", 2))).Phase);
    }

    [Fact]
    public void Compute_CrashLoop_WaitingWithLastStateAndRestartCount()
    {
        var pod = Pod();
        var waiting = new Dictionary<string, ContainerWaiting> { ["app"] = new("CrashLoopBackOff", "back-off 20s restarting failed container=app pod=web_default(uid-1)") };
        var s = Build(pod, State(Sandbox(), Exited(pod, "app", 1, restarts: 2)), waiting);
        var c = s.ContainerStatuses[0];
        Assert.Equal("CrashLoopBackOff", c.State.Waiting.Reason);
        Assert.Equal(1, c.LastState.Terminated.ExitCode);
        Assert.Equal("Error", c.LastState.Terminated.Reason);
        Assert.Equal(2, c.RestartCount);
        Assert.Equal("Running", s.Phase);
    }

    [Fact]
    public void Compute_TerminalPhase_NeverChangesBack()
    {
        var pod = Pod();
        pod.Status.Phase = "Failed";
        Assert.Equal("Failed", Build(pod, State(Sandbox(), Running(pod, "app"))).Phase);
    }

    [Fact]
    public void Compute_UnchangedCondition_KeepsTransitionTime()
    {
        var pod = Pod();
        var first = Build(pod, State(Sandbox(), Running(pod, "app")));
        pod.Status = first;
        var again = PodStatusBuilder.Compute(pod, State(Sandbox(), Running(pod, "app")), ProbeSnapshot.None, NoWaiting, "192.0.2.10", T0.AddMinutes(5));
        Assert.Equal(first.Conditions.Single(c => c.Type == "Ready").LastTransitionTime, again.Conditions.Single(c => c.Type == "Ready").LastTransitionTime);
    }
}
