using Bosun.ApiServer.Tables;
using static Bosun.ApiServer.Tests.Tables.TableTestData;

namespace Bosun.ApiServer.Tests.Tables;

public sealed class PodTableTests
{
    private static readonly TableConvertor Pods = TableConvertors.For("", "pods");

    private static object?[] Cells(string json) => Pods.Cells(Parse(json), Now);

    [Fact]
    public void Columns_PodConvertor_MatchKubectlOrderAndPriorities()
    {
        Assert.Equal(
            ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
            Pods.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], Pods.Columns.Select(c => c.Priority));
        Assert.Equal("name", Pods.Columns[0].Format);
    }

    [Fact]
    public void Cells_TwoReadyRunningContainers_ShowsTwoOfTwoRunning()
    {
        var cells = Cells($$$$"""
            {"metadata":{"name":"web","creationTimestamp":"{{{{Ago(TimeSpan.FromSeconds(23))}}}}"},
             "spec":{"nodeName":"node1","containers":[{"name":"a"},{"name":"b"}]},
             "status":{"phase":"Running","podIP":"10.244.0.162","podIPs":[{"ip":"10.244.0.162"}],
               "conditions":[{"type":"Ready","status":"True"}],
               "containerStatuses":[
                 {"name":"a","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-11-25T21:00:00Z"}}},
                 {"name":"b","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-11-25T21:00:00Z"}}}]}}
            """);

        Assert.Equal(new object?[] { "web", "2/2", "Running", "0", "23s", "10.244.0.162", "node1", "<none>", "<none>" }, cells);
    }

    [Fact]
    public void Cells_UnscheduledPod_UsesNonePlaceholders()
    {
        var cells = Cells("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Pending"}}""");

        Assert.Equal(new object?[] { "p", "0/1", "Pending", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>" }, cells);
    }

    [Fact]
    public void Cells_SecondInitContainerRunning_ShowsInitProgress()
    {
        var cells = Cells("""
            {"metadata":{"name":"p"},
             "spec":{"initContainers":[{"name":"i1"},{"name":"i2"}],"containers":[{"name":"a"}]},
             "status":{"phase":"Pending","initContainerStatuses":[
               {"name":"i1","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
               {"name":"i2","state":{"running":{}}}],
               "containerStatuses":[{"name":"a","state":{"waiting":{"reason":"PodInitializing"}}}]}}
            """);

        Assert.Equal("0/1", cells[1]);
        Assert.Equal("Init:1/2", cells[2]);
    }

    [Fact]
    public void Cells_InitContainerCrashLooping_ShowsInitWaitingReason()
    {
        var cells = Cells($$$$"""
            {"metadata":{"name":"p"},
             "spec":{"initContainers":[{"name":"i1"}],"containers":[{"name":"a"}]},
             "status":{"phase":"Pending","initContainerStatuses":[
               {"name":"i1","restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
                "lastState":{"terminated":{"exitCode":1,"finishedAt":"{{{{Ago(TimeSpan.FromMinutes(1))}}}}"}}}]}}
            """);

        Assert.Equal("Init:CrashLoopBackOff", cells[2]);
        Assert.Equal("4 (60s ago)", cells[3]);
    }

    [Fact]
    public void Cells_InitContainerFailedWithoutReason_ShowsExitCode()
    {
        var cells = Cells("""
            {"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"i1"}],"containers":[{"name":"a"}]},
             "status":{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":3}}}]}}
            """);

        Assert.Equal("Init:ExitCode:3", cells[2]);
    }

    [Fact]
    public void Cells_CrashLoopBackOffWithRestarts_ShowsReasonAndLastRestart()
    {
        var cells = Cells($$$$"""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},
             "status":{"phase":"Running","containerStatuses":[
               {"name":"a","ready":false,"restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
                "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"{{{{Ago(TimeSpan.FromSeconds(10))}}}}"}}}]}}
            """);

        Assert.Equal("0/1", cells[1]);
        Assert.Equal("CrashLoopBackOff", cells[2]);
        Assert.Equal("3 (10s ago)", cells[3]);
    }

    [Fact]
    public void Cells_SucceededPod_ShowsCompletedWithRowCondition()
    {
        var pod = Parse("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},
             "status":{"phase":"Succeeded","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}}
            """);

        Assert.Equal("Completed", Pods.Cells(pod, Now)[2]);
        var condition = Pods.Condition(pod);
        Assert.NotNull(condition);
        Assert.Equal(("Completed", "True", "Succeeded"), (condition.Type, condition.Status, condition.Reason));
    }

    [Fact]
    public void Cells_CompletedContainerBesideRunningOne_ShowsRunning()
    {
        var cells = Cells("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"},{"name":"b"}]},
             "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[
               {"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
               {"name":"b","ready":true,"state":{"running":{}}}]}}
            """);

        Assert.Equal("1/2", cells[1]);
        Assert.Equal("Running", cells[2]);
    }

    [Fact]
    public void Cells_DeletionTimestampOnRunningPod_ShowsTerminating()
    {
        var cells = Cells("""
            {"metadata":{"name":"p","deletionTimestamp":"2026-11-25T21:59:00Z"},"spec":{"containers":[{"name":"a"}]},
             "status":{"phase":"Running","containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}}
            """);

        Assert.Equal("Terminating", cells[2]);
    }

    [Fact]
    public void Cells_DeletedPodOnLostNode_ShowsUnknown()
    {
        var cells = Cells("""
            {"metadata":{"name":"p","deletionTimestamp":"2026-11-25T21:59:00Z"},"spec":{"containers":[{"name":"a"}]},
             "status":{"phase":"Running","reason":"NodeLost"}}
            """);

        Assert.Equal("Unknown", cells[2]);
    }

    [Fact]
    public void Cells_DeletionTimestampOnSucceededPod_KeepsCompleted()
    {
        var cells = Cells("""
            {"metadata":{"name":"p","deletionTimestamp":"2026-11-25T21:59:00Z"},"spec":{"containers":[{"name":"a"}]},
             "status":{"phase":"Succeeded","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}}
            """);

        Assert.Equal("Completed", cells[2]);
    }

    [Fact]
    public void Cells_SchedulingGatedPod_ShowsSchedulingGated()
    {
        var cells = Cells("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},
             "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}}
            """);

        Assert.Equal("SchedulingGated", cells[2]);
    }

    [Fact]
    public void Cells_ContainerKilledBySignal_ShowsSignal()
    {
        var cells = Cells("""
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},
             "status":{"phase":"Failed","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":137,"signal":9}}}]}}
            """);

        Assert.Equal("Signal:9", cells[2]);
    }

    [Fact]
    public void Cells_StartedSidecar_CountsAsReadyContainer()
    {
        var cells = Cells("""
            {"metadata":{"name":"p"},
             "spec":{"initContainers":[{"name":"proxy","restartPolicy":"Always"}],"containers":[{"name":"a"}]},
             "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
               "initContainerStatuses":[{"name":"proxy","started":true,"ready":true,"restartCount":1,"state":{"running":{}}}],
               "containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}}
            """);

        Assert.Equal("2/2", cells[1]);
        Assert.Equal("Running", cells[2]);
        Assert.Equal("1", cells[3]);
    }

    [Fact]
    public void Cells_ReadinessGates_CountsTrueConditions()
    {
        var cells = Cells("""
            {"metadata":{"name":"p"},
             "spec":{"containers":[{"name":"a"}],"readinessGates":[{"conditionType":"x/one"},{"conditionType":"x/two"}]},
             "status":{"phase":"Running","nominatedNodeName":"n2","conditions":[{"type":"x/one","status":"True"},{"type":"x/two","status":"False"}]}}
            """);

        Assert.Equal("n2", cells[7]);
        Assert.Equal("1/2", cells[8]);
    }
}
