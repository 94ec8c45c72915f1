using System.Diagnostics;
using System.Text.Json;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests.Containers;

/// <summary>
/// One cluster with the service proxy and cluster DNS (<see cref="AgentCluster.WithServiceProxy"/>) shared by the
/// Service tests, since every real pod costs seconds: a namespace, Deployment <c>myapp</c> (3 replicas with a readiness
/// probe on <c>/index.html</c>), the Service <c>myapp</c> (<c>kubectl expose --port=80</c>) and a busybox client pod.
/// The host's KUBE-* rules must be the same after the cluster is gone as before it started.
/// </summary>
public sealed class ServiceNetworkFixture : IAsyncLifetime
{
    private const string MyAppDeployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: myapp
          labels: {app: myapp}
        spec:
          replicas: 3
          selector:
            matchLabels: {app: myapp}
          template:
            metadata:
              labels: {app: myapp}
            spec:
              containers:
              - name: myapp
                image: ikubernetes/myapp:v1
                ports:
                - {name: http, containerPort: 80}
                readinessProbe:
                  httpGet: {path: /index.html, port: http}
                  periodSeconds: 1
                  failureThreshold: 1
        """;

    private string[] _kubeRulesBefore = [];

    internal AgentCluster Cluster { get; } = AgentCluster.WithServiceProxy();
    internal Kubectl Kubectl => Cluster.Kubectl;
    internal string Namespace { get; private set; } = "";
    internal string ClusterIp { get; private set; } = "";

    /// <summary>The cluster DNS's Service IP (the server's default <c>--cluster-dns</c>), which pods' resolv.conf names.</summary>
    internal const string ClusterDnsIp = "10.96.0.10";

    public async Task InitializeAsync()
    {
        _kubeRulesBefore = KubeRules();
        await Cluster.InitializeAsync();
        Namespace = await Cluster.CreateNamespaceAsync("svc");
        (await Kubectl.RunWithInputAsync(MyAppDeployment, "create", "-f", "-", "-n", Namespace)).Ok();
        // The client first: its start overlaps the Deployment's rollout. Its DNS queries wait for the kube-dns rules below.
        (await Kubectl.RunAsync("run", "client", "--image=busybox:latest", "--image-pull-policy=IfNotPresent", "-n", Namespace, "--", "sleep", "3600")).Ok();
        (await Kubectl.RunAsync(["rollout", "status", "deployment/myapp", "-n", Namespace, "--timeout=120s"], null, TimeSpan.FromSeconds(130))).Ok();
        (await Kubectl.RunAsync("expose", "deployment", "myapp", "--port=80", "-n", Namespace)).Ok();
        ClusterIp = await ClusterIpAsync("myapp");
        await WaitForRulesAsync(ClusterIp);
        await WaitForRulesAsync(ClusterDnsIp);
        await Cluster.WaitRunningAndReadyAsync(Namespace, "client");
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Assert.Equal(_kubeRulesBefore, KubeRules());
    }

    internal async Task<string> ClusterIpAsync(string service) =>
        (await Kubectl.RunAsync("get", "service", service, "-n", Namespace, "-o", "jsonpath={.spec.clusterIP}")).Ok().Stdout;

    /// <summary>
    /// Waits until the proxy has written rules for <paramref name="ip"/>. Tests send nothing to a Service IP before:
    /// without its DNAT rule a packet to 10.96.x.y would follow the host's default route off the machine.
    /// </summary>
    internal static Task WaitForRulesAsync(string ip) =>
        Poll.UntilAsync(() => KubeRules().Any(l => l.Contains($"-d {ip}/32", StringComparison.Ordinal)), TimeSpan.FromSeconds(15), $"the proxy's rules for {ip}");

    /// <summary>The nat and filter lines mentioning KUBE- chains, sorted.</summary>
    internal static string[] KubeRules()
    {
        var psi = new ProcessStartInfo("iptables-save") { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return [.. text.Split('\n').Where(l => l.Contains("KUBE-", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }

    /// <summary>Names of myapp's pods that are Ready and not terminating, sorted.</summary>
    internal async Task<string[]> ReadyPodsAsync()
    {
        var list = (await Kubectl.RunAsync("get", "pods", "-n", Namespace, "-l", "app=myapp", "-o", "json")).Ok().Json;
        return [.. list.GetProperty("items").EnumerateArray()
            .Where(p => !p.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _) && AgentCluster.Condition(p, "Ready") == "True")
            .Select(p => p.GetProperty("metadata").GetProperty("name").GetString()!)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// <paramref name="count"/> GETs of <c>hostname.html</c> from the host, each on a new connection (busybox httpd closes
    /// it): the answering pods' host names, or null when one request failed.
    /// </summary>
    internal static async Task<List<string>?> HostNamesFromHostAsync(string baseUrl, int count)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(3) };
        var hosts = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            try { hosts.Add((await http.GetStringAsync($"{baseUrl}/hostname.html")).Trim()); }
            catch (HttpRequestException) { return null; }
            catch (TaskCanceledException) { return null; }
        }
        return hosts;
    }

    /// <summary>Polls until <paramref name="count"/> requests in a row succeed; returns their distinct host names, sorted.</summary>
    internal static async Task<string[]> DistinctHostNamesAsync(string baseUrl, int count, TimeSpan timeout)
    {
        List<string>? hosts = null;
        await Poll.UntilAsync(async () => (hosts = await HostNamesFromHostAsync(baseUrl, count)) is not null, timeout, $"{count} answers from {baseUrl}");
        return [.. hosts!.Distinct().Order(StringComparer.Ordinal)];
    }

    internal static string PodName(JsonElement pod) => pod.GetProperty("metadata").GetProperty("name").GetString()!;
}
