using System.Net;
using System.Text.Json.Nodes;
using Bosun.ApiServer.ResourceMetrics;
using Bosun.Client;
using Bosun.Testing;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.ApiServer.Tests.ResourceMetrics;

/// <summary>The metrics API (metrics.k8s.io/v1beta1) and its node-agent write path, against a real server.</summary>
public sealed class MetricsApiTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static HttpClient Http(TestCluster cluster)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath);
        var http = new Kubernetes(config).HttpClient;
        http.BaseAddress ??= new Uri(config.Host);
        return http;
    }

    private static async Task<JsonObject> GetAsync(HttpClient http, string path, string accept = "application/json", HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await http.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(expected == response.StatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static Task ReportAsync(ApiClient api, string node, NodeMetricsReport body) =>
        api.PutPathAsync<V1Status>($"/apis/bosun.dev/v1/nodemetrics/{node}", body, Ct);

    private static Dictionary<string, string> Usage(string cpu, string memory) => new() { ["cpu"] = cpu, ["memory"] = memory };

    private static async Task CreatePodAsync(ApiClient api, string name, Dictionary<string, string> labels, string? node = null,
        Dictionary<string, string>? annotations = null)
    {
        var pod = await api.CreateAsync("default", new V1Pod
        {
            ApiVersion = "v1", Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = labels, Annotations = annotations },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "app", Image = "nginx" }, new V1Container { Name = "side", Image = "busybox" }] },
        }, Ct);
        pod.Status = new V1PodStatus { Phase = "Running" };
        await api.UpdateStatusAsync("default", name, pod, Ct);
    }

    [Fact]
    public async Task ReportedUsage_IsServedAsPodAndNodeMetrics()
    {
        await using var cluster = await TestCluster.StartAsync();
        var http = Http(cluster);
        await CreatePodAsync(cluster.Api, "web-1", new() { ["app"] = "web" });
        await CreatePodAsync(cluster.Api, "db-1", new() { ["app"] = "db" });
        await ReportAsync(cluster.Api, "node-a", new NodeMetricsReport(
            new DateTime(2026, 11, 25, 21, 55, 0, DateTimeKind.Utc), "15s", Usage("250m", "1Gi"),
            [
                new PodMetricsReport("default", "web-1", [new ContainerMetricsReport("app", Usage("200m", "64Mi"))]),
                new PodMetricsReport("default", "db-1", [new ContainerMetricsReport("app", Usage("1234567n", "1000"))]),
            ]));

        var list = await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods");
        Assert.Equal("PodMetricsList", (string?)list["kind"]);
        Assert.Equal("metrics.k8s.io/v1beta1", (string?)list["apiVersion"]);
        Assert.Equal(["db-1", "web-1"], list["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]).Order());

        var selected = await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb");
        var web = selected["items"]!.AsArray().Single()!.AsObject();
        Assert.Equal("PodMetrics", (string?)web["kind"]);
        Assert.Equal("web", (string?)web["metadata"]!["labels"]!["app"]);
        Assert.Equal("default", (string?)web["metadata"]!["namespace"]);
        Assert.NotNull(web["metadata"]!["creationTimestamp"]);
        Assert.Equal("2026-11-25T21:55:00Z", (string?)web["timestamp"]);
        Assert.Equal("15s", (string?)web["window"]);
        Assert.Equal("200m", (string?)web["containers"]![0]!["usage"]!["cpu"]);
        Assert.Equal("65536Ki", (string?)web["containers"]![0]!["usage"]!["memory"]);

        var db = await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/db-1");
        Assert.Equal("1234567n", (string?)db["containers"]![0]!["usage"]!["cpu"]);
        Assert.Equal("1000", (string?)db["containers"]![0]!["usage"]!["memory"]);
        Assert.Single((await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddb"))["items"]!.AsArray());

        var missing = await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope", expected: HttpStatusCode.NotFound);
        Assert.Equal("NotFound", (string?)missing["reason"]);

        var nodes = await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/nodes");
        Assert.Equal("NodeMetricsList", (string?)nodes["kind"]);
        var node = await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/nodes/node-a");
        Assert.Equal(("NodeMetrics", "250m", "1048576Ki"), ((string?)node["kind"], (string?)node["usage"]!["cpu"], (string?)node["usage"]!["memory"]));

        var table = await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal(2, table["rows"]!.AsArray().Count);

        await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/pods?watch=true", expected: HttpStatusCode.MethodNotAllowed);
        var bad = await Assert.ThrowsAsync<Client.ApiException>(() => ReportAsync(cluster.Api, "node-a",
            new NodeMetricsReport(null, null, new Dictionary<string, string> { ["cpu"] = "lots" }, [])));
        Assert.Equal(400, bad.Code);
    }

    [Fact]
    public async Task SimulatedPods_ReadTheUsageAnnotation()
    {
        await using var cluster = await TestCluster.StartAsync();
        var http = Http(cluster);
        await cluster.Api.CreateAsync(null, new V1Node
        {
            ApiVersion = "v1", Kind = "Node",
            Metadata = new V1ObjectMeta { Name = "sim-1", Labels = new Dictionary<string, string> { ["type"] = "simulated" } },
        }, Ct);
        await CreatePodAsync(cluster.Api, "sim-pod", new() { ["app"] = "sim" }, node: "sim-1",
            annotations: new() { [MetricsApi.UsageAnnotation] = "cpu=200m,memory=64Mi" });
        await CreatePodAsync(cluster.Api, "plain", new() { ["app"] = "sim" }, node: "sim-1");

        var pod = (await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"))["items"]!.AsArray().Single()!;
        Assert.Equal("sim-pod", (string?)pod["metadata"]!["name"]);
        Assert.Equal(["100m", "100m"], pod["containers"]!.AsArray().Select(c => (string?)c!["usage"]!["cpu"]));   // split over two containers
        var node = await GetAsync(http, "/apis/metrics.k8s.io/v1beta1/nodes/sim-1");
        Assert.Equal(("200m", "65536Ki"), ((string?)node["usage"]!["cpu"], (string?)node["usage"]!["memory"]));
        Assert.Equal("simulated", (string?)node["metadata"]!["labels"]!["type"]);
    }

    [Fact]
    public async Task Discovery_ListsTheMetricsGroup_LegacyAndAggregated()
    {
        await using var cluster = await TestCluster.StartAsync();
        var http = Http(cluster);
        var resources = await GetAsync(http, "/apis/metrics.k8s.io/v1beta1");
        Assert.Equal("APIResourceList", (string?)resources["kind"]);
        var byName = resources["resources"]!.AsArray().ToDictionary(r => (string)r!["name"]!, r => r!.AsObject());
        Assert.Equal(["nodes", "pods"], byName.Keys.Order());
        Assert.Equal(["get", "list"], byName["pods"]["verbs"]!.AsArray().Select(v => (string?)v));
        Assert.True((bool)byName["pods"]["namespaced"]!);
        Assert.False((bool)byName["nodes"]["namespaced"]!);
        Assert.Equal("PodMetrics", (string?)byName["pods"]["kind"]);

        var group = await GetAsync(http, "/apis/metrics.k8s.io");
        Assert.Equal("metrics.k8s.io/v1beta1", (string?)group["preferredVersion"]!["groupVersion"]);
        var legacy = await GetAsync(http, "/apis");
        Assert.Contains(legacy["groups"]!.AsArray(), g => (string?)g!["name"] == "metrics.k8s.io");

        foreach (var v in new[] { "v2", "v2beta1" })
        {
            var aggregated = await GetAsync(http, "/apis", $"application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList");
            var metrics = aggregated["items"]!.AsArray().Single(g => (string?)g!["metadata"]!["name"] == "metrics.k8s.io")!;
            var version = metrics["versions"]!.AsArray().Single()!;
            Assert.Equal("v1beta1", (string?)version["version"]);
            var pods = version["resources"]!.AsArray().Single(r => (string?)r!["resource"] == "pods")!;
            Assert.Equal("Namespaced", (string?)pods["scope"]);
            Assert.Equal("PodMetrics", (string?)pods["responseKind"]!["kind"]);
            Assert.Equal(["get", "list"], pods["verbs"]!.AsArray().Select(x => (string?)x));
        }
    }

    [Fact]
    public void Store_ExpiresSamplesTwoMinutesAfterTheyArrive()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var store = new MetricsStore(time);
        var now = time.GetUtcNow();
        store.Report(new NodeReport(new NodeSample("a", now, TimeSpan.FromSeconds(15), 1, 1),
            [new PodSample("default", "p", "a", now, TimeSpan.FromSeconds(15), [new ContainerUsage("c", 0.1m, 1024)])]));
        time.Advance(TimeSpan.FromSeconds(119));
        Assert.NotNull(store.Node("a"));
        Assert.Single(store.Pods());
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(store.Node("a"));
        Assert.Empty(store.Pods());
        Assert.Empty(store.Nodes());
    }

    [Fact]
    public void Store_ANodesReportReplacesItsPreviousOne()
    {
        var time = new FakeTimeProvider();
        var store = new MetricsStore(time);
        var now = time.GetUtcNow();
        var window = TimeSpan.FromSeconds(15);
        store.Report(new NodeReport(new NodeSample("a", now, window, 1, 1), [new PodSample("default", "p", "a", now, window, [])]));
        store.Report(new NodeReport(new NodeSample("b", now, window, 1, 1), [new PodSample("default", "q", "b", now, window, [])]));
        store.Report(new NodeReport(new NodeSample("a", now, window, 2, 2), []));
        Assert.Equal([("default", "q")], store.Pods().Keys);
        Assert.Equal(2, store.Node("a")!.Cpu);
    }

    [Theory]
    [InlineData(0.25, "250m")]
    [InlineData(0.001234567, "1234567n")]
    [InlineData(2, "2000m")]
    public void Cpu_IsFormattedAsMetricsServerDoes(double cores, string expected) => Assert.Equal(expected, MetricsApi.Cpu((decimal)cores));
}
