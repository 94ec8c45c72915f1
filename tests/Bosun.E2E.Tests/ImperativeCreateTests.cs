using System.Net;
using System.Text;
using System.Text.Json;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>
/// Imperative commands: <c>create deployment/configmap/secret/service/job/cronjob/namespace</c> (kubectl 1.32 posts
/// protobuf bodies for these), <c>run</c>, <c>expose</c>, <c>scale</c>, <c>set image</c>, <c>autoscale</c>; the in-process
/// controllers turn deployments into ReplicaSets and pods.
/// </summary>
[Trait("Category", "E2E")]
public sealed class ImperativeCreateTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan ControllerTimeout = TimeSpan.FromSeconds(60);
    private readonly Kubectl _kubectl = fixture.Kubectl;

    private async Task<JsonElement> GetAsync(string ns, params string[] what) =>
        (await _kubectl.RunAsync(["get", .. what, "-n", ns, "-o", "json"])).Ok().Json;

    private async Task<string> CreateMyappAsync(string prefix)
    {
        var ns = await fixture.CreateNamespaceAsync(prefix);
        var created = (await _kubectl.RunAsync("create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=3", "-n", ns)).Ok();
        Assert.Equal("deployment.apps/myapp created", created.Stdout.Trim());
        return ns;
    }

    /// <summary>Waits until the deployment's ReplicaSets satisfy <paramref name="done"/> and returns them.</summary>
    private async Task<JsonElement[]> WaitReplicaSetsAsync(string ns, Func<JsonElement[], bool> done, string what)
    {
        JsonElement[] sets = [];
        await Poll.UntilAsync(async () =>
        {
            sets = (await GetAsync(ns, "replicasets", "-l", "app=myapp")).GetProperty("items").EnumerateArray().ToArray();
            return done(sets);
        }, ControllerTimeout, what);
        return sets;
    }

    private static int Replicas(JsonElement rs) => rs.GetProperty("spec").GetProperty("replicas").GetInt32();

    private static string? Revision(JsonElement rs) =>
        rs.GetProperty("metadata").TryGetProperty("annotations", out var a) && a.TryGetProperty("deployment.kubernetes.io/revision", out var r) ? r.GetString() : null;

    private static void AssertServiceIp(string? ip)
    {
        Assert.True(IPAddress.TryParse(ip, out var address), $"'{ip}' is not an IP");
        var bytes = address!.GetAddressBytes();
        Assert.True(bytes[0] == 10 && (bytes[1] & 0xF0) == 96, $"{ip} is not in 10.96.0.0/12");
    }

    [Fact]
    public async Task CreateDeployment_Replicas3_DefaultsAndReplicaSetWithThreePods()
    {
        var ns = await CreateMyappAsync("create-deploy");

        var deploy = await GetAsync(ns, "deployment/myapp");
        var spec = deploy.GetProperty("spec");
        Assert.Equal(3, spec.GetProperty("replicas").GetInt32());
        Assert.Equal("myapp", spec.GetProperty("selector").GetProperty("matchLabels").GetProperty("app").GetString());
        Assert.Equal("RollingUpdate", spec.GetProperty("strategy").GetProperty("type").GetString());
        Assert.Equal("25%", spec.GetProperty("strategy").GetProperty("rollingUpdate").GetProperty("maxSurge").GetString());
        Assert.Equal("25%", spec.GetProperty("strategy").GetProperty("rollingUpdate").GetProperty("maxUnavailable").GetString());
        Assert.Equal(10, spec.GetProperty("revisionHistoryLimit").GetInt32());
        Assert.Equal(600, spec.GetProperty("progressDeadlineSeconds").GetInt32());
        var container = spec.GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        Assert.Equal("myapp", container.GetProperty("name").GetString());
        Assert.Equal("ikubernetes/myapp:v1", container.GetProperty("image").GetString());
        Assert.Equal("IfNotPresent", container.GetProperty("imagePullPolicy").GetString());
        var uid = deploy.GetProperty("metadata").GetProperty("uid").GetString();

        var sets = await WaitReplicaSetsAsync(ns, s => s.Length == 1 && Replicas(s[0]) == 3, "one ReplicaSet with 3 replicas");
        var owner = sets[0].GetProperty("metadata").GetProperty("ownerReferences")[0];
        Assert.Equal("Deployment", owner.GetProperty("kind").GetString());
        Assert.Equal(uid, owner.GetProperty("uid").GetString());
        Assert.True(owner.GetProperty("controller").GetBoolean());
        Assert.Equal("1", Revision(sets[0]));
        var rsName = sets[0].GetProperty("metadata").GetProperty("name").GetString()!;
        Assert.StartsWith("myapp-", rsName);

        JsonElement[] pods = [];
        await Poll.UntilAsync(async () =>
        {
            pods = (await GetAsync(ns, "pods", "-l", "app=myapp")).GetProperty("items").EnumerateArray().ToArray();
            return pods.Length == 3;
        }, ControllerTimeout, "3 pods of the ReplicaSet");
        Assert.All(pods, p =>
        {
            Assert.StartsWith(rsName + "-", p.GetProperty("metadata").GetProperty("name").GetString());
            Assert.Equal(rsName, p.GetProperty("metadata").GetProperty("ownerReferences")[0].GetProperty("name").GetString());
            Assert.Equal("Pending", p.GetProperty("status").GetProperty("phase").GetString());
        });
    }

    [Fact]
    public async Task CreateConfigMap_FromLiterals_StoresData()
    {
        var ns = await fixture.CreateNamespaceAsync("create-cm");

        var created = (await _kubectl.RunAsync("create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=two words", "-n", ns)).Ok();

        Assert.Equal("configmap/cfg created", created.Stdout.Trim());
        var data = (await GetAsync(ns, "configmap/cfg")).GetProperty("data");
        Assert.Equal("1", data.GetProperty("a").GetString());
        Assert.Equal("two words", data.GetProperty("b").GetString());
    }

    [Fact]
    public async Task CreateSecretGeneric_FromLiteral_StoresBase64Data()
    {
        var ns = await fixture.CreateNamespaceAsync("create-secret");

        var created = (await _kubectl.RunAsync("create", "secret", "generic", "creds", "--from-literal=password=s3cr3t!", "--from-literal=user=admin", "-n", ns)).Ok();

        Assert.Equal("secret/creds created", created.Stdout.Trim());
        var secret = await GetAsync(ns, "secret/creds");
        Assert.Equal("Opaque", secret.GetProperty("type").GetString());
        var data = secret.GetProperty("data");
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("s3cr3t!")), data.GetProperty("password").GetString());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("admin")), data.GetProperty("user").GetString());
    }

    [Fact]
    public async Task CreateServiceClusterIp_AllocatesClusterIpInServiceRange()
    {
        var ns = await fixture.CreateNamespaceAsync("create-svc");

        var created = (await _kubectl.RunAsync("create", "service", "clusterip", "my-svc", "--tcp=80:8080", "-n", ns)).Ok();

        Assert.Equal("service/my-svc created", created.Stdout.Trim());
        var spec = (await GetAsync(ns, "service/my-svc")).GetProperty("spec");
        Assert.Equal("ClusterIP", spec.GetProperty("type").GetString());
        AssertServiceIp(spec.GetProperty("clusterIP").GetString());
        var port = Assert.Single(spec.GetProperty("ports").EnumerateArray());
        Assert.Equal(80, port.GetProperty("port").GetInt32());
        Assert.Equal(8080, port.GetProperty("targetPort").GetInt32());
        Assert.Equal("TCP", port.GetProperty("protocol").GetString());
        Assert.Equal("my-svc", spec.GetProperty("selector").GetProperty("app").GetString());
    }

    [Fact]
    public async Task CreateJobAndCronJob_StoreTemplates()
    {
        var ns = await fixture.CreateNamespaceAsync("create-job");

        var job = (await _kubectl.RunAsync("create", "job", "once", "--image=busybox:latest", "-n", ns, "--", "echo", "hello")).Ok();
        var cron = (await _kubectl.RunAsync("create", "cronjob", "tick", "--image=busybox:latest", "--schedule=*/5 * * * *", "-n", ns, "--", "date")).Ok();

        Assert.Equal("job.batch/once created", job.Stdout.Trim());
        Assert.Equal("cronjob.batch/tick created", cron.Stdout.Trim());
        var jobSpec = (await GetAsync(ns, "job/once")).GetProperty("spec");
        var jobPod = jobSpec.GetProperty("template").GetProperty("spec");
        Assert.Equal("Never", jobPod.GetProperty("restartPolicy").GetString());
        Assert.Equal(["echo", "hello"], jobPod.GetProperty("containers")[0].GetProperty("command").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(6, jobSpec.GetProperty("backoffLimit").GetInt32());
        var cronSpec = (await GetAsync(ns, "cronjob/tick")).GetProperty("spec");
        Assert.Equal("*/5 * * * *", cronSpec.GetProperty("schedule").GetString());
        Assert.Equal("Allow", cronSpec.GetProperty("concurrencyPolicy").GetString());
        var cronPod = cronSpec.GetProperty("jobTemplate").GetProperty("spec").GetProperty("template").GetProperty("spec");
        Assert.Equal("OnFailure", cronPod.GetProperty("restartPolicy").GetString());
        Assert.Equal(["date"], cronPod.GetProperty("containers")[0].GetProperty("command").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task CreateNamespace_Imperative_IsActive()
    {
        var name = $"imperative-ns-{Guid.NewGuid():N}"[..24];

        var created = (await _kubectl.RunAsync("create", "namespace", name)).Ok();

        Assert.Equal($"namespace/{name} created", created.Stdout.Trim());
        var ns = (await _kubectl.RunAsync("get", "namespace", name, "-o", "json")).Ok().Json;
        Assert.Equal("Active", ns.GetProperty("status").GetProperty("phase").GetString());
        Assert.Equal(name, ns.GetProperty("metadata").GetProperty("labels").GetProperty("kubernetes.io/metadata.name").GetString());
    }

    [Fact]
    public async Task Run_NginxWithPort_CreatesPendingPod()
    {
        var ns = await fixture.CreateNamespaceAsync("run");

        var run = (await _kubectl.RunAsync("run", "nginx", "--image=nginx:1.14-alpine", "--port=80", "-n", ns)).Ok();

        Assert.Equal("pod/nginx created", run.Stdout.Trim());
        var pod = await GetAsync(ns, "pod/nginx");
        Assert.Equal("nginx", pod.GetProperty("metadata").GetProperty("labels").GetProperty("run").GetString());
        var container = Assert.Single(pod.GetProperty("spec").GetProperty("containers").EnumerateArray());
        Assert.Equal("nginx:1.14-alpine", container.GetProperty("image").GetString());
        Assert.Equal("IfNotPresent", container.GetProperty("imagePullPolicy").GetString());
        Assert.Equal(80, Assert.Single(container.GetProperty("ports").EnumerateArray()).GetProperty("containerPort").GetInt32());
        Assert.Equal("Always", pod.GetProperty("spec").GetProperty("restartPolicy").GetString());
        Assert.Equal("Pending", pod.GetProperty("status").GetProperty("phase").GetString());
        var deployments = (await _kubectl.RunAsync("get", "deployments", "-n", ns)).Ok();
        Assert.Equal("", deployments.Stdout);
    }

    [Fact]
    public async Task ExposeDeployment_NodePort_AllocatesClusterIpAndNodePort()
    {
        var ns = await CreateMyappAsync("expose");

        var exposed = (await _kubectl.RunAsync("expose", "deployment", "myapp", "--port=80", "--target-port=80", "--type=NodePort", "-n", ns)).Ok();

        Assert.Equal("service/myapp exposed", exposed.Stdout.Trim());
        var spec = (await GetAsync(ns, "service/myapp")).GetProperty("spec");
        Assert.Equal("NodePort", spec.GetProperty("type").GetString());
        AssertServiceIp(spec.GetProperty("clusterIP").GetString());
        Assert.Equal("myapp", spec.GetProperty("selector").GetProperty("app").GetString());
        var port = Assert.Single(spec.GetProperty("ports").EnumerateArray());
        Assert.Equal(80, port.GetProperty("port").GetInt32());
        Assert.Equal(80, port.GetProperty("targetPort").GetInt32());
        var nodePort = port.GetProperty("nodePort").GetInt32();
        Assert.InRange(nodePort, 30000, 32767);
        var row = (await _kubectl.RunAsync("get", "service", "myapp", "-n", ns)).Ok();
        Assert.Matches($@"^myapp\s+NodePort\s+10\.\S+\s+<none>\s+80:{nodePort}/TCP\s+\d+s$", row.Lines[1]);
    }

    [Fact]
    public async Task ScaleDeployment_To5_ScalesSpecAndReplicaSet()
    {
        var ns = await CreateMyappAsync("scale");
        await WaitReplicaSetsAsync(ns, s => s.Length == 1 && Replicas(s[0]) == 3, "the first ReplicaSet");

        var scaled = (await _kubectl.RunAsync("scale", "--replicas=5", "deployment/myapp", "-n", ns)).Ok();

        Assert.Equal("deployment.apps/myapp scaled", scaled.Stdout.Trim());
        Assert.Equal(5, (await GetAsync(ns, "deployment/myapp")).GetProperty("spec").GetProperty("replicas").GetInt32());
        await WaitReplicaSetsAsync(ns, s => s.Length == 1 && Replicas(s[0]) == 5, "the ReplicaSet scaled to 5");
        await Poll.UntilAsync(async () =>
            (await GetAsync(ns, "pods", "-l", "app=myapp")).GetProperty("items").GetArrayLength() == 5, ControllerTimeout, "5 pods");
    }

    [Fact]
    public async Task SetImage_Deployment_BumpsGenerationAndCreatesRevision2ReplicaSet()
    {
        var ns = await CreateMyappAsync("set-image");
        await WaitReplicaSetsAsync(ns, s => s.Length == 1, "the first ReplicaSet");

        var set = (await _kubectl.RunAsync("set", "image", "deployment/myapp", "myapp=ikubernetes/myapp:v2", "-n", ns)).Ok();

        Assert.Equal("deployment.apps/myapp image updated", set.Stdout.Trim());
        var deploy = await GetAsync(ns, "deployment/myapp");
        Assert.Equal(2, deploy.GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.Equal("ikubernetes/myapp:v2", deploy.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0].GetProperty("image").GetString());
        var sets = await WaitReplicaSetsAsync(ns, s => s.Any(r => Revision(r) == "2"), "a revision-2 ReplicaSet");
        Assert.Equal(2, sets.Length);
        var v2 = sets.Single(r => Revision(r) == "2");
        Assert.Equal("ikubernetes/myapp:v2", v2.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0].GetProperty("image").GetString());
        var v1 = sets.Single(r => Revision(r) == "1");
        Assert.Equal("ikubernetes/myapp:v1", v1.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0].GetProperty("image").GetString());
    }

    [Fact]
    public async Task Autoscale_Deployment_CreatesHpaReadAsAutoscalingV2()
    {
        var ns = await CreateMyappAsync("autoscale");

        var autoscaled = (await _kubectl.RunAsync("autoscale", "deployment", "myapp", "--min=2", "--max=6", "--cpu-percent=60", "-n", ns)).Ok();

        Assert.Equal("horizontalpodautoscaler.autoscaling/myapp autoscaled", autoscaled.Stdout.Trim());
        var hpa = await GetAsync(ns, "hpa/myapp");
        Assert.Equal("autoscaling/v2", hpa.GetProperty("apiVersion").GetString());
        var spec = hpa.GetProperty("spec");
        Assert.Equal(2, spec.GetProperty("minReplicas").GetInt32());
        Assert.Equal(6, spec.GetProperty("maxReplicas").GetInt32());
        Assert.Equal("Deployment", spec.GetProperty("scaleTargetRef").GetProperty("kind").GetString());
        Assert.Equal("myapp", spec.GetProperty("scaleTargetRef").GetProperty("name").GetString());
        var metric = Assert.Single(spec.GetProperty("metrics").EnumerateArray());
        Assert.Equal("Resource", metric.GetProperty("type").GetString());
        Assert.Equal("cpu", metric.GetProperty("resource").GetProperty("name").GetString());
        Assert.Equal("Utilization", metric.GetProperty("resource").GetProperty("target").GetProperty("type").GetString());
        Assert.Equal(60, metric.GetProperty("resource").GetProperty("target").GetProperty("averageUtilization").GetInt32());
        var table = (await _kubectl.RunAsync("get", "hpa", "-n", ns)).Ok();
        Assert.Matches(@"^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$", table.Lines[0]);
        Assert.Matches(@"^myapp\s+Deployment/myapp\s+.*60%\s+2\s+6\s+\d+\s+\d+s$", table.Lines[1]);
    }
}
