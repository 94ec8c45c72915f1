using Bosun.ApiServer.Tables;
using static Bosun.ApiServer.Tests.Tables.TableTestData;

namespace Bosun.ApiServer.Tests.Tables;

public sealed class WorkloadAndEventTableTests
{
    [Fact]
    public void Cells_DeploymentTwoOfThreeReady_ShowsReadyRatio()
    {
        var convertor = TableConvertors.For("apps", "deployments");
        var cells = convertor.Cells(Parse("""
            {"metadata":{"name":"myapp","creationTimestamp":"2026-11-25T21:55:00Z"},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"myapp"}},
               "template":{"spec":{"containers":[{"name":"myapp","image":"ikubernetes/myapp:v1"},{"name":"side","image":"busybox"}]}}},
             "status":{"replicas":3,"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}
            """), Now);

        Assert.Equal(new object?[] { "myapp", "2/3", 3L, 2L, "5m", "myapp,side", "ikubernetes/myapp:v1,busybox", "app=myapp" }, cells);
    }

    [Fact]
    public void Cells_ReplicaSetWithExpressionSelector_FormatsSelector()
    {
        var convertor = TableConvertors.For("apps", "replicasets");
        var cells = convertor.Cells(Parse("""
            {"metadata":{"name":"rs"},
             "spec":{"selector":{"matchLabels":{"b":"2"},"matchExpressions":[{"key":"a","operator":"In","values":["y","x"]},{"key":"c","operator":"DoesNotExist"}]}},
             "status":{"replicas":1}}
            """), Now);

        Assert.Equal(1L, cells[1]);
        Assert.Equal("a in (x,y),b=2,!c", cells[7]);
    }

    [Fact]
    public void Cells_CompletedJob_ShowsCompleteAndDuration()
    {
        var convertor = TableConvertors.For("batch", "jobs");
        var cells = convertor.Cells(Parse("""
            {"metadata":{"name":"pi"},"spec":{"completions":1,"parallelism":1,"template":{"spec":{"containers":[{"name":"pi","image":"perl"}]}}},
             "status":{"succeeded":1,"startTime":"2026-11-25T21:00:00Z","completionTime":"2026-11-25T21:00:42Z",
               "conditions":[{"type":"SuccessCriteriaMet","status":"True"},{"type":"Complete","status":"True"}]}}
            """), Now);

        Assert.Equal(new object?[] { "pi", "Complete", "1/1", "42s", "<unknown>", "pi", "perl", "<none>" }, cells);
    }

    [Fact]
    public void Cells_SuspendedParallelJob_ShowsSuspendedAndParallelism()
    {
        var convertor = TableConvertors.For("batch", "jobs");
        var cells = convertor.Cells(Parse("""
            {"metadata":{"name":"j"},"spec":{"parallelism":3},"status":{"conditions":[{"type":"Suspended","status":"True"}]}}
            """), Now);

        Assert.Equal("Suspended", cells[1]);
        Assert.Equal("0/1 of 3", cells[2]);
        Assert.Equal("", cells[3]);
    }

    [Fact]
    public void Cells_CoreEvent_ShowsLowerCasedObjectAndSource()
    {
        var convertor = TableConvertors.For("", "events");
        var cells = convertor.Cells(Parse($$$$"""
            {"metadata":{"name":"web.1"},"type":"Normal","reason":"Pulled","message":"  Successfully pulled image \n",
             "involvedObject":{"kind":"Pod","name":"web","fieldPath":"spec.containers{web}"},
             "source":{"component":"kubelet","host":"node1"},
             "firstTimestamp":"{{{{Ago(TimeSpan.FromMinutes(5))}}}}","lastTimestamp":"{{{{Ago(TimeSpan.FromSeconds(30))}}}}","count":4}
            """), Now);

        Assert.Equal(new object?[]
        {
            "30s", "Normal", "Pulled", "pod/web", "spec.containers{web}", "kubelet, node1", "Successfully pulled image", "5m", 4L, "web.1",
        }, cells);
    }

    [Fact]
    public void Cells_EventsApiEventWithSeries_UsesSeriesAndReportingController()
    {
        var convertor = TableConvertors.For("events.k8s.io", "events");
        string eventTime = (Now - TimeSpan.FromMinutes(10)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var cells = convertor.Cells(Parse($$$$"""
            {"metadata":{"name":"e"},"type":"Warning","reason":"BackOff","note":"Back-off restarting",
             "regarding":{"kind":"Pod","name":"web"},"reportingController":"kubelet","reportingInstance":"node1",
             "eventTime":"{{{{eventTime}}}}","series":{"count":7,"lastObservedTime":"{{{{Ago(TimeSpan.FromSeconds(5))}}}}"}}
            """), Now);

        Assert.Equal("5s", cells[0]);
        Assert.Equal("pod/web", cells[3]);
        Assert.Equal("kubelet, node1", cells[5]);
        Assert.Equal("Back-off restarting", cells[6]);
        Assert.Equal("10m", cells[7]);
        Assert.Equal(7L, cells[8]);
    }

    [Fact]
    public void Cells_SingletonEventWithoutName_CountsOneAndPrintsKindOnly()
    {
        var convertor = TableConvertors.For("", "events");
        var cells = convertor.Cells(Parse("""{"metadata":{"name":"e"},"involvedObject":{"kind":"Node"}}"""), Now);

        Assert.Equal("<unknown>", cells[0]);
        Assert.Equal("node", cells[3]);
        Assert.Equal(1L, cells[8]);
    }

    [Fact]
    public void Cells_HpaWithoutCurrentMetrics_ShowsUnknownAgainstTarget()
    {
        var convertor = TableConvertors.For("autoscaling", "horizontalpodautoscalers");
        var cells = convertor.Cells(Parse("""
            {"metadata":{"name":"myapp"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"myapp"},"minReplicas":1,"maxReplicas":5,
             "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]},
             "status":{"currentReplicas":2}}
            """), Now);

        Assert.Equal(new object?[] { "myapp", "Deployment/myapp", "cpu: <unknown>/80%", "1", 5L, 2L, "<unknown>" }, cells);
    }

    [Fact]
    public void Cells_HpaV1WithCurrentUtilization_ShowsCpuTarget()
    {
        var convertor = TableConvertors.For("autoscaling", "horizontalpodautoscalers");
        var cells = convertor.Cells(Parse("""
            {"metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"maxReplicas":3,"targetCPUUtilizationPercentage":50},
             "status":{"currentReplicas":1,"currentCPUUtilizationPercentage":12}}
            """), Now);

        Assert.Equal("cpu: 12%/50%", cells[2]);
        Assert.Equal("<unset>", cells[3]);
    }

    [Fact]
    public void For_KindWithoutPrinter_ReturnsNameAndCreatedAt()
    {
        var convertor = TableConvertors.For("rbac.authorization.k8s.io", "roles");
        var cells = convertor.Cells(Parse("""{"metadata":{"name":"reader","creationTimestamp":"2026-11-25T21:55:00Z"}}"""), Now);

        Assert.Equal(["Name", "Created At"], convertor.Columns.Select(c => c.Name));
        Assert.Equal("date", convertor.Columns[1].Type);
        Assert.Equal(new object?[] { "reader", "2026-11-25T21:55:00Z" }, cells);
    }

    [Fact]
    public void Cells_RoleBindingWithSubjects_SplitsSubjectKinds()
    {
        var convertor = TableConvertors.For("rbac.authorization.k8s.io", "rolebindings");
        var cells = convertor.Cells(Parse("""
            {"metadata":{"name":"rb"},"roleRef":{"kind":"ClusterRole","name":"view"},
             "subjects":[{"kind":"User","name":"alice"},{"kind":"User","name":"bob"},{"kind":"Group","name":"devs"},{"kind":"ServiceAccount","name":"sa","namespace":"ns"}]}
            """), Now);

        Assert.Equal(new object?[] { "rb", "ClusterRole/view", "<unknown>", "alice, bob", "devs", "ns:sa" }, cells);
    }
}
