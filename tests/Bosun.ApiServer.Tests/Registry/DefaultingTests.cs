using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry.Defaulting;
using static Bosun.ApiServer.Tests.Registry.StoreFixture;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class DefaultingTests : IAsyncLifetime
{
    private StoreFixture f = null!;

    public async Task InitializeAsync() => f = await StartAsync();

    public async Task DisposeAsync() => await f.Storage.DisposeAsync();

    private const string Template = """
        "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27","ports":[{"containerPort":80}]}]}}
        """;

    private static string At(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
            node = int.TryParse(part, out var i) ? (node as JsonArray)?[i] : (node as JsonObject)?[part];
        return node?.ToJsonString() ?? "<missing>";
    }

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("nginx:1.27", "IfNotPresent")]
    [InlineData("docker.io/library/nginx", "Always")]
    [InlineData("localhost:5000/app", "Always")]
    [InlineData("localhost:5000/app:v1", "IfNotPresent")]
    [InlineData("registry.k8s.io/pause:3.10", "IfNotPresent")]
    [InlineData("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent")]
    [InlineData("nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "Always")]
    [InlineData("Nginx", "IfNotPresent")]
    public void ImagePullPolicy_ForImage_FollowsLatestTagRule(string image, string expected) =>
        Assert.Equal(expected, ImagePullPolicy.For(image));

    [Theory]
    [InlineData("spec.restartPolicy", "\"Always\"")]
    [InlineData("spec.terminationGracePeriodSeconds", "30")]
    [InlineData("spec.dnsPolicy", "\"ClusterFirst\"")]
    [InlineData("spec.schedulerName", "\"default-scheduler\"")]
    [InlineData("spec.securityContext", "{}")]
    [InlineData("spec.enableServiceLinks", "true")]
    [InlineData("spec.containers.0.imagePullPolicy", "\"Always\"")]
    [InlineData("spec.containers.0.terminationMessagePath", "\"/dev/termination-log\"")]
    [InlineData("spec.containers.0.terminationMessagePolicy", "\"File\"")]
    [InlineData("spec.containers.0.ports.0.protocol", "\"TCP\"")]
    [InlineData("spec.containers.0.livenessProbe.timeoutSeconds", "1")]
    [InlineData("spec.containers.0.livenessProbe.periodSeconds", "10")]
    [InlineData("spec.containers.0.livenessProbe.successThreshold", "1")]
    [InlineData("spec.containers.0.livenessProbe.failureThreshold", "3")]
    [InlineData("spec.containers.0.livenessProbe.httpGet.scheme", "\"HTTP\"")]
    [InlineData("spec.containers.0.livenessProbe.httpGet.path", "\"/\"")]
    [InlineData("spec.containers.0.resources.requests.cpu", "\"500m\"")]
    [InlineData("spec.containers.0.resources.requests.memory", "\"64Mi\"")]
    [InlineData("spec.volumes.0.emptyDir", "{}")]
    [InlineData("spec.volumes.1.configMap.defaultMode", "420")]
    public async Task CreatePod_WithBareSpec_FillsDefault(string path, string expected)
    {
        var pod = await f.CreateAsync("", "pods", """
            {"metadata":{"name":"p"},"spec":{
              "containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],
                "livenessProbe":{"httpGet":{"port":80}},
                "resources":{"limits":{"cpu":"500m"},"requests":{"memory":"64Mi"}}}],
              "volumes":[{"name":"scratch"},{"name":"cfg","configMap":{"name":"x"}}]}}
            """);

        Assert.Equal(expected, At(pod, path));
    }

    [Fact]
    public async Task CreatePod_WithExplicitValues_KeepsThem()
    {
        var pod = await f.CreateAsync("", "pods", """
            {"metadata":{"name":"p"},"spec":{"restartPolicy":"Never","terminationGracePeriodSeconds":0,"enableServiceLinks":false,
              "containers":[{"name":"c","image":"nginx","imagePullPolicy":"Never"}]}}
            """);

        Assert.Equal("\"Never\"", At(pod, "spec.restartPolicy"));
        Assert.Equal("0", At(pod, "spec.terminationGracePeriodSeconds"));
        Assert.Equal("false", At(pod, "spec.enableServiceLinks"));
        Assert.Equal("\"Never\"", At(pod, "spec.containers.0.imagePullPolicy"));
    }

    [Theory]
    [InlineData("spec.replicas", "1")]
    [InlineData("spec.strategy.type", "\"RollingUpdate\"")]
    [InlineData("spec.strategy.rollingUpdate.maxUnavailable", "\"25%\"")]
    [InlineData("spec.strategy.rollingUpdate.maxSurge", "\"25%\"")]
    [InlineData("spec.revisionHistoryLimit", "10")]
    [InlineData("spec.progressDeadlineSeconds", "600")]
    [InlineData("spec.template.spec.restartPolicy", "\"Always\"")]
    [InlineData("spec.template.spec.containers.0.imagePullPolicy", "\"IfNotPresent\"")]
    [InlineData("spec.template.spec.containers.0.ports.0.protocol", "\"TCP\"")]
    [InlineData("spec.template.spec.enableServiceLinks", "<missing>")]
    [InlineData("spec.template.spec.containers.0.resources", "{}")]
    public async Task CreateDeployment_WithEmptyStrategy_FillsDefault(string path, string expected)
    {
        // A protobuf-created Deployment arrives with "strategy": {}.
        var d = await f.CreateAsync("apps", "deployments",
            $$$"""{"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"strategy":{},{{{Template}}}}}""");

        Assert.Equal(expected, At(d, path));
    }

    [Fact]
    public async Task CreateDeployment_WithRecreateStrategy_AddsNoRollingUpdate()
    {
        var d = await f.CreateAsync("apps", "deployments",
            $$$"""{"metadata":{"name":"web"},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"Recreate"},{{{Template}}}}}""");

        Assert.Equal("<missing>", At(d, "spec.strategy.rollingUpdate"));
        Assert.Equal("0", At(d, "spec.replicas"));
    }

    [Theory]
    [InlineData("spec.replicas", "1")]
    [InlineData("spec.podManagementPolicy", "\"OrderedReady\"")]
    [InlineData("spec.updateStrategy.type", "\"RollingUpdate\"")]
    [InlineData("spec.updateStrategy.rollingUpdate.partition", "0")]
    [InlineData("spec.revisionHistoryLimit", "10")]
    [InlineData("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "\"Retain\"")]
    [InlineData("spec.persistentVolumeClaimRetentionPolicy.whenScaled", "\"Retain\"")]
    [InlineData("spec.volumeClaimTemplates.0.spec.volumeMode", "\"Filesystem\"")]
    [InlineData("spec.volumeClaimTemplates.0.status.phase", "\"Pending\"")]
    public async Task CreateStatefulSet_Bare_FillsDefault(string path, string expected)
    {
        var s = await f.CreateAsync("apps", "statefulsets",
            $$$"""{"metadata":{"name":"db"},"spec":{"serviceName":"db","selector":{"matchLabels":{"app":"web"}},"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"resources":{"requests":{"storage":"1Gi"} } } }],{{{Template}}}}}""");

        Assert.Equal(expected, At(s, path));
    }

    [Theory]
    [InlineData("spec.updateStrategy.type", "\"RollingUpdate\"")]
    [InlineData("spec.updateStrategy.rollingUpdate.maxUnavailable", "1")]
    [InlineData("spec.updateStrategy.rollingUpdate.maxSurge", "0")]
    [InlineData("spec.revisionHistoryLimit", "10")]
    public async Task CreateDaemonSet_Bare_FillsDefault(string path, string expected)
    {
        var s = await f.CreateAsync("apps", "daemonsets",
            $$$"""{"metadata":{"name":"agent"},"spec":{"selector":{"matchLabels":{"app":"web"}},{{{Template}}}}}""");

        Assert.Equal(expected, At(s, path));
    }

    [Fact]
    public async Task CreateReplicaSet_Bare_DefaultsReplicasToOne()
    {
        var rs = await f.CreateAsync("apps", "replicasets",
            $$$"""{"metadata":{"name":"rs"},"spec":{"selector":{"matchLabels":{"app":"web"}},{{{Template}}}}}""");

        Assert.Equal("1", At(rs, "spec.replicas"));
    }

    [Fact]
    public async Task CreateReplicationController_WithoutSelector_TakesTemplateLabels()
    {
        var rc = await f.CreateAsync("", "replicationcontrollers", $$$"""{"metadata":{"name":"rc"},"spec":{{{{Template}}}}}""");

        Assert.Equal("""{"app":"web"}""", At(rc, "spec.selector"));
        Assert.Equal("""{"app":"web"}""", At(rc, "metadata.labels"));
        Assert.Equal("1", At(rc, "spec.replicas"));
    }

    [Theory]
    [InlineData("spec.completions", "1")]
    [InlineData("spec.parallelism", "1")]
    [InlineData("spec.backoffLimit", "6")]
    [InlineData("spec.completionMode", "\"NonIndexed\"")]
    [InlineData("spec.suspend", "false")]
    [InlineData("spec.manualSelector", "false")]
    [InlineData("spec.podReplacementPolicy", "\"TerminatingOrFailed\"")]
    [InlineData("spec.template.spec.restartPolicy", "\"Never\"")]
    public async Task CreateJob_Bare_FillsDefault(string path, string expected)
    {
        var job = await f.CreateAsync("batch", "jobs", """
            {"metadata":{"name":"pi"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}
            """);

        Assert.Equal(expected, At(job, path));
    }

    [Fact]
    public async Task CreateJob_WithParallelismOnly_LeavesCompletionsUnset()
    {
        var job = await f.CreateAsync("batch", "jobs", """
            {"metadata":{"name":"pi"},"spec":{"parallelism":3,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}
            """);

        Assert.Equal("<missing>", At(job, "spec.completions"));
        Assert.Equal("3", At(job, "spec.parallelism"));
    }

    [Fact]
    public async Task CreateJob_WithoutManualSelector_GeneratesUidSelectorAndTemplateLabels()
    {
        var job = await f.CreateAsync("batch", "jobs", """
            {"metadata":{"name":"pi"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl"}]}}}}
            """);

        var uid = job.Obj("metadata").Str("uid")!;
        var labels = job.Obj("spec").Obj("template").Obj("metadata").Obj("labels")!;
        Assert.Equal(uid, labels.Str("batch.kubernetes.io/controller-uid"));
        Assert.Equal(uid, labels.Str("controller-uid"));
        Assert.Equal("pi", labels.Str("batch.kubernetes.io/job-name"));
        Assert.Equal("pi", labels.Str("job-name"));
        Assert.Equal($$$"""{"matchLabels":{"batch.kubernetes.io/controller-uid":"{{{uid}}}"}}""", At(job, "spec.selector"));
        Assert.Equal(labels.ToJsonString(), At(job, "metadata.labels"));
    }

    [Theory]
    [InlineData("spec.concurrencyPolicy", "\"Allow\"")]
    [InlineData("spec.suspend", "false")]
    [InlineData("spec.successfulJobsHistoryLimit", "3")]
    [InlineData("spec.failedJobsHistoryLimit", "1")]
    [InlineData("spec.jobTemplate.spec.template.spec.dnsPolicy", "\"ClusterFirst\"")]
    [InlineData("spec.jobTemplate.spec.backoffLimit", "<missing>")]
    public async Task CreateCronJob_Bare_FillsDefault(string path, string expected)
    {
        var cj = await f.CreateAsync("batch", "cronjobs", """
            {"metadata":{"name":"tick"},"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}
            """);

        Assert.Equal(expected, At(cj, path));
    }

    [Theory]
    [InlineData("spec.type", "\"ClusterIP\"")]
    [InlineData("spec.sessionAffinity", "\"None\"")]
    [InlineData("spec.ports.0.protocol", "\"TCP\"")]
    [InlineData("spec.ports.0.targetPort", "80")]
    [InlineData("spec.ipFamilies", "[\"IPv4\"]")]
    [InlineData("spec.ipFamilyPolicy", "\"SingleStack\"")]
    [InlineData("spec.internalTrafficPolicy", "\"Cluster\"")]
    [InlineData("spec.externalTrafficPolicy", "<missing>")]
    [InlineData("status", "{\"loadBalancer\":{}}")]
    public async Task CreateService_Bare_FillsDefault(string path, string expected)
    {
        var svc = await f.CreateAsync("", "services", """{"metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}""");

        Assert.Equal(expected, At(svc, path));
    }

    [Fact]
    public async Task CreateService_NodePort_DefaultsExternalTrafficPolicy()
    {
        var svc = await f.CreateAsync("", "services", """{"metadata":{"name":"web"},"spec":{"type":"NodePort","ports":[{"port":80,"targetPort":"http"}]}}""");

        Assert.Equal("\"Cluster\"", At(svc, "spec.externalTrafficPolicy"));
        Assert.Equal("\"http\"", At(svc, "spec.ports.0.targetPort"));
    }

    [Fact]
    public async Task CreateSecretAndClaim_Bare_FillTypeAndVolumeMode()
    {
        var secret = await f.CreateAsync("", "secrets", """{"metadata":{"name":"s"},"data":{"k":"dg=="}}""");
        var pvc = await f.CreateAsync("", "persistentvolumeclaims",
            """{"metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}""");

        Assert.Equal("\"Opaque\"", At(secret, "type"));
        Assert.Equal("\"Filesystem\"", At(pvc, "spec.volumeMode"));
        Assert.Equal("\"Pending\"", At(pvc, "status.phase"));
    }

    [Fact]
    public async Task CreateHorizontalPodAutoscaler_WithoutMetrics_DefaultsCpu80AndMinReplicas()
    {
        var hpa = await f.CreateAsync("autoscaling", "horizontalpodautoscalers", """
            {"metadata":{"name":"web"},"spec":{"maxReplicas":5,"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"}}}
            """);

        Assert.Equal("1", At(hpa, "spec.minReplicas"));
        Assert.Equal("""[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]""", At(hpa, "spec.metrics"));
    }

    [Fact]
    public async Task UpdateDeployment_DroppingDefaults_RefillsThem()
    {
        await f.CreateAsync("apps", "deployments",
            $$$"""{"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},{{{Template}}}}}""");

        var updated = await f.UpdateAsync("apps", "deployments", "web", d =>
        {
            d.Obj("spec")!.Remove("strategy");
            d.Obj("spec")!.Remove("revisionHistoryLimit");
            return d;
        });

        Assert.Equal("10", At(updated, "spec.revisionHistoryLimit"));
        Assert.Equal("\"RollingUpdate\"", At(updated, "spec.strategy.type"));
        Assert.Equal(1, updated.Obj("metadata").Long("generation"));   // nothing really changed
    }

    [Fact]
    public async Task CreateHorizontalPodAutoscalerV1_WithoutTarget_ReadsBackCpu80InBothVersions()
    {
        var v1 = f.Catalog.Get("autoscaling", "v1", "horizontalpodautoscalers");
        var created = await v1.CreateAsync("default", Obj("""
            {"metadata":{"name":"web"},"spec":{"maxReplicas":5,"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"}}}
            """), new(), Ct);

        var v2 = await f.Catalog.Get("autoscaling", "v2", "horizontalpodautoscalers").GetAsync("default", "web", Ct);

        Assert.Equal(80, created.Obj("spec").Long("targetCPUUtilizationPercentage"));
        Assert.Equal(1, created.Obj("spec").Long("minReplicas"));
        Assert.Equal("80", At(v2, "spec.metrics.0.resource.target.averageUtilization"));
    }

    [Fact]
    public async Task CreatePod_Bare_GetsAdmissionDefaults()
    {
        var pod = await f.CreateAsync("", "pods", """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}""");

        Assert.Equal("\"default\"", At(pod, "spec.serviceAccountName"));
        Assert.Equal("\"default\"", At(pod, "spec.serviceAccount"));
        Assert.Equal("0", At(pod, "spec.priority"));
        Assert.Equal("\"PreemptLowerPriority\"", At(pod, "spec.preemptionPolicy"));
        Assert.Equal("""[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},"""
            + """{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]""", At(pod, "spec.tolerations"));
    }

    [Fact]
    public async Task CreatePod_ToleratingEverything_GetsNoDefaultTolerations()
    {
        var pod = await f.CreateAsync("", "pods", """
            {"metadata":{"name":"p"},"spec":{"priorityClassName":"system-node-critical","tolerations":[{"operator":"Exists"}],"containers":[{"name":"c","image":"i"}]}}
            """);

        Assert.Equal("""[{"operator":"Exists"}]""", At(pod, "spec.tolerations"));
        Assert.Equal("2000001000", At(pod, "spec.priority"));
    }

    [Fact]
    public async Task CreatePod_OnlyLimits_IsGuaranteedWithRequestsCopied()
    {
        var pod = await f.CreateAsync("", "pods", """
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}}
            """);

        Assert.Equal("\"Guaranteed\"", At(pod, "status.qosClass"));
        Assert.Equal("""{"cpu":"1","memory":"1Gi"}""", At(pod, "spec.containers.0.resources.requests"));
    }

    [Fact]
    public async Task CreateClusterPolicyKinds_Bare_FillDefaults()
    {
        var netpol = await f.CreateAsync("networking.k8s.io", "networkpolicies",
            """{"metadata":{"name":"np"},"spec":{"podSelector":{},"egress":[{"ports":[{"port":53}]}]}}""");
        var binding = await f.CreateAsync("rbac.authorization.k8s.io", "rolebindings",
            """{"metadata":{"name":"rb"},"roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"User","name":"u"},{"kind":"ServiceAccount","name":"sa","namespace":"default"}]}""");
        var sc = await f.Store("storage.k8s.io", "storageclasses").CreateAsync(null, Obj("""{"metadata":{"name":"fast"},"provisioner":"x"}"""), new(), Ct);

        Assert.Equal("""["Ingress","Egress"]""", At(netpol, "spec.policyTypes"));
        Assert.Equal("\"TCP\"", At(netpol, "spec.egress.0.ports.0.protocol"));
        Assert.Equal("\"rbac.authorization.k8s.io\"", At(binding, "subjects.0.apiGroup"));
        Assert.Equal("\"\"", At(binding, "subjects.1.apiGroup"));
        Assert.Equal("\"rbac.authorization.k8s.io\"", At(binding, "roleRef.apiGroup"));
        Assert.Equal("\"Delete\"", At(sc, "reclaimPolicy"));
        Assert.Equal("\"Immediate\"", At(sc, "volumeBindingMode"));
    }

    [Fact]
    public async Task CreateDeployment_TemplateWithoutMetadataTimestamp_PrintsNullTimestampAsGoDoes()
    {
        var d = await f.CreateAsync("apps", "deployments",
            $$$"""{"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},{{{Template}}}}}""");

        var meta = d.Obj("spec").Obj("template").Obj("metadata")!;
        Assert.True(meta.ContainsKey("creationTimestamp"));
        Assert.Null(meta["creationTimestamp"]);
    }
}
