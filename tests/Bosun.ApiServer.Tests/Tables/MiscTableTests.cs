using Bosun.ApiServer.Tables;
using static Bosun.ApiServer.Tests.Tables.TableTestData;

namespace Bosun.ApiServer.Tests.Tables;

public sealed class MiscTableTests
{
    [Theory]
    [InlineData("", "pods")]
    [InlineData("", "podtemplates")]
    [InlineData("", "replicationcontrollers")]
    [InlineData("apps", "replicasets")]
    [InlineData("apps", "deployments")]
    [InlineData("apps", "statefulsets")]
    [InlineData("apps", "daemonsets")]
    [InlineData("apps", "controllerrevisions")]
    [InlineData("batch", "jobs")]
    [InlineData("batch", "cronjobs")]
    [InlineData("", "services")]
    [InlineData("", "endpoints")]
    [InlineData("discovery.k8s.io", "endpointslices")]
    [InlineData("networking.k8s.io", "ingresses")]
    [InlineData("networking.k8s.io", "ingressclasses")]
    [InlineData("networking.k8s.io", "networkpolicies")]
    [InlineData("", "nodes")]
    [InlineData("", "namespaces")]
    [InlineData("", "events")]
    [InlineData("events.k8s.io", "events")]
    [InlineData("", "configmaps")]
    [InlineData("", "secrets")]
    [InlineData("", "serviceaccounts")]
    [InlineData("", "persistentvolumes")]
    [InlineData("", "persistentvolumeclaims")]
    [InlineData("", "resourcequotas")]
    [InlineData("autoscaling", "horizontalpodautoscalers")]
    [InlineData("policy", "poddisruptionbudgets")]
    [InlineData("coordination.k8s.io", "leases")]
    [InlineData("rbac.authorization.k8s.io", "rolebindings")]
    [InlineData("rbac.authorization.k8s.io", "clusterrolebindings")]
    [InlineData("storage.k8s.io", "storageclasses")]
    [InlineData("scheduling.k8s.io", "priorityclasses")]
    public void For_KindWithPrinter_CellsMatchColumnsForEmptyObject(string group, string resource)
    {
        var convertor = TableConvertors.For(group, resource);

        var cells = convertor.Cells(Parse("""{"metadata":{"name":"x"}}"""), Now);

        Assert.NotSame(TableConvertors.Default, convertor);
        Assert.Equal(convertor.Columns.Count, cells.Length);
        Assert.All(cells, c => Assert.True(c is string or long or bool, $"unexpected cell {c?.GetType()}"));
    }

    [Theory]
    [InlineData("", "limitranges")]
    [InlineData("rbac.authorization.k8s.io", "roles")]
    [InlineData("rbac.authorization.k8s.io", "clusterroles")]
    [InlineData("example.com", "widgets")]
    public void For_KindWithoutPrinter_ReturnsDefault(string group, string resource)
    {
        Assert.Same(TableConvertors.Default, TableConvertors.For(group, resource));
    }

    [Fact]
    public void Cells_CustomResourceDefault_ShowsAge()
    {
        var convertor = TableConvertors.CustomResourceDefault;

        var cells = convertor.Cells(Parse("""{"metadata":{"name":"w","creationTimestamp":"2026-11-25T21:00:00Z"}}"""), Now);

        Assert.Equal(["Name", "Age"], convertor.Columns.Select(c => c.Name));
        Assert.Equal(new object?[] { "w", "60m" }, cells);
    }

    [Fact]
    public void Cells_EndpointsWithManyAddresses_TruncatesAfterThree()
    {
        var cells = TableConvertors.For("", "endpoints").Cells(Parse("""
            {"metadata":{"name":"web"},"subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"},{"ip":"fd00::3"},{"ip":"10.0.0.4"}],"ports":[{"port":80}]}]}
            """), Now);

        Assert.Equal("10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 1 more...", cells[1]);
    }

    [Fact]
    public void Cells_EndpointsWithoutSubsets_ShowsNone()
    {
        var cells = TableConvertors.For("", "endpoints").Cells(Parse("""{"metadata":{"name":"web"}}"""), Now);

        Assert.Equal("<none>", cells[1]);
    }

    [Fact]
    public void Cells_EndpointSlice_ListsPortsAndAddresses()
    {
        var cells = TableConvertors.For("discovery.k8s.io", "endpointslices").Cells(Parse("""
            {"metadata":{"name":"web-abc"},"addressType":"IPv4","ports":[{"name":"http","port":80},{"name":"named"}],
             "endpoints":[{"addresses":["10.0.0.1"]},{"addresses":["10.0.0.2"]}]}
            """), Now);

        Assert.Equal(new object?[] { "web-abc", "IPv4", "80,named", "10.0.0.1,10.0.0.2", "<unknown>" }, cells);
    }

    [Fact]
    public void Cells_IngressWithTlsAndRules_ShowsHostsAndPorts()
    {
        var cells = TableConvertors.For("networking.k8s.io", "ingresses").Cells(Parse("""
            {"metadata":{"name":"ing"},"spec":{"ingressClassName":"nginx","tls":[{"hosts":["a.example"]}],"rules":[{"host":"a.example"},{"host":"b.example"}]},
             "status":{"loadBalancer":{"ingress":[{"ip":"192.168.1.10"}]}}}
            """), Now);

        Assert.Equal(new object?[] { "ing", "nginx", "a.example,b.example", "192.168.1.10", "80, 443", "<unknown>" }, cells);
    }

    [Fact]
    public void Cells_BoundClaim_ShowsCapacityAndModes()
    {
        var cells = TableConvertors.For("", "persistentvolumeclaims").Cells(Parse("""
            {"metadata":{"name":"data"},"spec":{"volumeName":"pv-1","storageClassName":"local-path","volumeMode":"Filesystem"},
             "status":{"phase":"Bound","accessModes":["ReadWriteMany","ReadWriteOnce"],"capacity":{"storage":"1Gi"}}}
            """), Now);

        Assert.Equal(new object?[] { "data", "Bound", "pv-1", "1Gi", "RWO,RWX", "local-path", "<unset>", "<unknown>", "Filesystem" }, cells);
    }

    [Fact]
    public void Cells_PersistentVolumeWithClaim_ShowsClaimRef()
    {
        var cells = TableConvertors.For("", "persistentvolumes").Cells(Parse("""
            {"metadata":{"name":"pv-1","deletionTimestamp":"2026-11-25T21:00:00Z"},
             "spec":{"capacity":{"storage":"5Gi"},"accessModes":["ReadWriteOnce"],"persistentVolumeReclaimPolicy":"Retain","claimRef":{"namespace":"default","name":"data"}},
             "status":{"phase":"Bound"}}
            """), Now);

        Assert.Equal("5Gi", cells[1]);
        Assert.Equal("Terminating", cells[4]);
        Assert.Equal("default/data", cells[5]);
    }

    [Fact]
    public void Cells_DefaultStorageClass_MarksNameAndDefaults()
    {
        var cells = TableConvertors.For("storage.k8s.io", "storageclasses").Cells(Parse("""
            {"metadata":{"name":"local-path","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"rancher.io/local-path"}
            """), Now);

        Assert.Equal(new object?[] { "local-path (default)", "rancher.io/local-path", "Delete", "Immediate", false, "<unknown>" }, cells);
    }

    [Fact]
    public void Cells_CronJob_ShowsScheduleAndLastSchedule()
    {
        var cells = TableConvertors.For("batch", "cronjobs").Cells(Parse("""
            {"metadata":{"name":"cj"},"spec":{"schedule":"*/1 * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}},
             "status":{"active":[{"name":"cj-1"}],"lastScheduleTime":"2026-11-25T21:59:00Z"}}
            """), Now);

        Assert.Equal(new object?[] { "cj", "*/1 * * * *", "<none>", "False", 1L, "60s", "<unknown>", "c", "busybox", "<none>" }, cells);
    }

    [Fact]
    public void Cells_ResourceQuota_SplitsRequestsAndLimits()
    {
        var cells = TableConvertors.For("", "resourcequotas").Cells(Parse("""
            {"metadata":{"name":"q"},"status":{"hard":{"pods":"10","limits.cpu":"2","requests.cpu":"1"},"used":{"pods":"3","requests.cpu":"500m"}}}
            """), Now);

        Assert.Equal("pods: 3/10, requests.cpu: 500m/1", cells[1]);
        Assert.Equal("limits.cpu: 0/2", cells[2]);
    }

    [Fact]
    public void Cells_ControllerRevision_ShowsOwningController()
    {
        var cells = TableConvertors.For("apps", "controllerrevisions").Cells(Parse("""
            {"metadata":{"name":"web-7d4","ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"web","controller":true}]},"revision":2}
            """), Now);

        Assert.Equal(new object?[] { "web-7d4", "statefulset.apps/web", 2L, "<unknown>" }, cells);
    }

    [Fact]
    public void Cells_PodDisruptionBudget_PrintsIntOrStringValues()
    {
        var cells = TableConvertors.For("policy", "poddisruptionbudgets").Cells(Parse("""
            {"metadata":{"name":"pdb"},"spec":{"minAvailable":2},"status":{"disruptionsAllowed":1}}
            """), Now);

        Assert.Equal(new object?[] { "pdb", "2", "N/A", 1L, "<unknown>" }, cells);
    }

    [Fact]
    public void Cells_ApprovedIssuedCsr_CombinesConditions()
    {
        var cells = TableConvertors.For("certificates.k8s.io", "certificatesigningrequests").Cells(Parse("""
            {"metadata":{"name":"csr"},"spec":{"signerName":"kubernetes.io/kube-apiserver-client","username":"alice","expirationSeconds":86400},
             "status":{"certificate":"LS0t","conditions":[{"type":"Approved","status":"True"}]}}
            """), Now);

        Assert.Equal(new object?[] { "csr", "<unknown>", "kubernetes.io/kube-apiserver-client", "alice", "24h", "Approved,Issued" }, cells);
    }
}
