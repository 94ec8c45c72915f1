using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests.Containers;

/// <summary>
/// The seed's pod network across nodes on one machine (<see cref="TwoNodeCluster"/>): pods on two nodes reach each
/// other by pod IP with their own source addresses (host-gw routes, no masquerade inside the pod network), a Service
/// with endpoints on both nodes answers from both, and the joined node's credentials stay within its own pods.
/// Run under <c>flock /tmp/bosun-hostnet.lock</c>: the server's agent programs the host's routes and nat table.
/// </summary>
[Trait("Category", "Containers")]
[Collection(SerialAgentClusterCollection.Name)]
public sealed class TwoNodeTests(TwoNodeCluster cluster) : IClassFixture<TwoNodeCluster>
{
    private static readonly SemaphoreSlim PodsLock = new(1, 1);
    private static TwoNodePods? s_pods;

    private sealed record TwoNodePods(string Namespace, string Web1, string Web2, string Peer1, string Peer2);

    /// <summary>
    /// One namespace for the class: myapp <c>web-1</c>/<c>web-2</c> (label app=web) and busybox <c>peer-1</c>/<c>peer-2</c>
    /// whose httpd answers <c>/cgi-bin/ip</c> with the caller's address as it arrives, pinned to node 1 and node 2.
    /// </summary>
    private async Task<TwoNodePods> PodsAsync()
    {
        await PodsLock.WaitAsync();
        try
        {
            if (s_pods is not null) return s_pods;
            var ns = await cluster.CreateNamespaceAsync("twonode");
            const string echoIp = "mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip && chmod +x /www/cgi-bin/ip && exec httpd -f -p 8080 -h /www";
            var manifest = string.Join("\n---\n",
                Pod("web-1", cluster.Node1, "web", "ikubernetes/myapp:v1", null),
                Pod("web-2", cluster.Node2, "web", "ikubernetes/myapp:v1", null),
                Pod("peer-1", cluster.Node1, "peer", "busybox:latest", echoIp),
                Pod("peer-2", cluster.Node2, "peer", "busybox:latest", echoIp));
            (await cluster.Kubectl.RunWithInputAsync(manifest, "create", "-n", ns, "-f", "-")).Ok();
            var ips = new Dictionary<string, string>();
            foreach (var name in (string[])["web-1", "web-2", "peer-1", "peer-2"])
                ips[name] = await WaitReadyAsync(ns, name);
            return s_pods = new TwoNodePods(ns, ips["web-1"], ips["web-2"], ips["peer-1"], ips["peer-2"]);
        }
        finally
        {
            PodsLock.Release();
        }
    }

    private static string Pod(string name, string node, string app, string image, string? script) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          labels: {"{"}app: {app}{"}"}
        spec:
          nodeName: {node}
          terminationGracePeriodSeconds: 1
          containers:
          - name: c
            image: {image}
            imagePullPolicy: IfNotPresent
        {(script is null ? "" : $"    command: [\"sh\", \"-c\", {System.Text.Json.JsonSerializer.Serialize(script)}]")}
        """;

    /// <summary>Waits for the pod to be Running and Ready; returns its pod IP.</summary>
    private async Task<string> WaitReadyAsync(string ns, string name)
    {
        var ip = "";
        try
        {
            await Poll.UntilAsync(async () =>
            {
                var r = await cluster.Kubectl.RunAsync("get", "pod", name, "-n", ns, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} {.status.podIP}");
                var parts = r.Stdout.Split(' ');
                if (r.ExitCode != 0 || parts.Length != 2 || parts[0] != "True" || parts[1].Length == 0) return false;
                ip = parts[1];
                return true;
            }, TimeSpan.FromSeconds(150), $"{ns}/{name} Ready");
        }
        catch (TimeoutException e)
        {
            var pod = await cluster.Kubectl.RunAsync("get", "pod", name, "-n", ns, "-o", "yaml");
            var agent = cluster.AgentLog;
            throw new TimeoutException($"{e.Message}\n{pod.Stdout}\nnode 2 agent log (tail):\n{agent[Math.Max(0, agent.Length - 4000)..]}\nserver log (tail):\n{cluster.Server.Log[Math.Max(0, cluster.Server.Log.Length - 4000)..]}");
        }
        return ip;
    }

    /// <summary>
    /// <c>wget</c> from inside a pod (busybox), retried while the network converges; the body, trimmed. The time limit is
    /// busybox's <c>timeout</c>: the static busybox's <c>wget -T</c> segfaults.
    /// </summary>
    private async Task<string> FetchFromPodAsync(string ns, string pod, string url)
    {
        KubectlResult? last = null;
        try
        {
            await Poll.UntilAsync(async () =>
            {
                last = await cluster.Kubectl.RunAsync("exec", "-n", ns, pod, "--", "timeout", "5", "wget", "-qO-", url);
                return last.ExitCode == 0;
            }, TimeSpan.FromSeconds(30), $"{pod}: wget {url}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{last}\nhost routes: {string.Join(", ", cluster.HostRoutes())}");
        }
        return last!.Stdout.Trim();
    }

    [Fact]
    public async Task PodsOnTwoNodes_ReachEachOtherByPodIp_AcrossHostGwRoutes()
    {
        var pods = await PodsAsync();

        Assert.Equal("web-2", await FetchFromPodAsync(pods.Namespace, "peer-1", $"http://{pods.Web2}/hostname.html"));
        Assert.Equal("web-1", await FetchFromPodAsync(pods.Namespace, "peer-2", $"http://{pods.Web1}/hostname.html"));

        var node2Cidr = (await cluster.Kubectl.RunAsync("get", "node", cluster.Node2, "-o", "jsonpath={.spec.podCIDR}")).Ok().Stdout;
        Assert.Contains(cluster.HostRoutes(), r => r.StartsWith($"{node2Cidr} via {cluster.PeerIp} ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PodToPodAcrossNodes_KeepsThePodSourceAddress_NotMasqueraded()
    {
        var pods = await PodsAsync();

        // httpd listens on IPv6 too and prints an IPv4 peer as [::ffff:a.b.c.d].
        Assert.Equal($"[::ffff:{pods.Peer1}]", await FetchFromPodAsync(pods.Namespace, "peer-1", $"http://{pods.Peer2}:8080/cgi-bin/ip"));
        Assert.Equal($"[::ffff:{pods.Peer2}]", await FetchFromPodAsync(pods.Namespace, "peer-2", $"http://{pods.Peer1}:8080/cgi-bin/ip"));
        // The host's pod network masquerade is this cluster's chain: pod to pod returns before MASQUERADE.
        var nat = cluster.HostNat();
        Assert.Contains($"-s {cluster.ClusterCidr} -d {cluster.ClusterCidr} -m comment --comment \"pod to pod: no NAT\" -j RETURN", nat);
    }

    [Fact]
    public async Task Service_WithEndpointsOnBothNodes_AnswersFromBoth_FromPodsAndFromTheHost()
    {
        var pods = await PodsAsync();
        var kubectl = cluster.Kubectl;
        (await kubectl.RunAsync("create", "service", "clusterip", "web", "--tcp=80:80", "-n", pods.Namespace)).Ok();
        var clusterIp = (await kubectl.RunAsync("get", "service", "web", "-n", pods.Namespace, "-o", "jsonpath={.spec.clusterIP}")).Ok().Stdout;

        foreach (var client in (string[])["peer-1", "peer-2"])
        {
            var seen = new HashSet<string>();
            await Poll.UntilAsync(async () =>
            {
                var r = await kubectl.RunAsync("exec", "-n", pods.Namespace, client, "--", "timeout", "5", "wget", "-qO-", $"http://{clusterIp}/hostname.html");
                if (r.ExitCode == 0) seen.Add(r.Stdout.Trim());
                return seen.SetEquals(["web-1", "web-2"]);
            }, TimeSpan.FromSeconds(60), $"{client} → {clusterIp} answered by web-1 and web-2 (so far: {string.Join(", ", seen)})");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var fromHost = new HashSet<string>();
        await Poll.UntilAsync(async () =>
        {
            try { fromHost.Add((await http.GetStringAsync($"http://{clusterIp}/hostname.html")).Trim()); }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            return fromHost.SetEquals(["web-1", "web-2"]);
        }, TimeSpan.FromSeconds(60), $"the host → {clusterIp} answered by web-1 and web-2 (so far: {string.Join(", ", fromHost)})");
    }

    [Fact]
    public async Task JoinedNodeCredentials_ReadOwnPodsSecret_ButNotOneOfAPodOnTheOtherNode()
    {
        var kubectl = cluster.Kubectl;
        var ns = await cluster.CreateNamespaceAsync("nodeauth");
        (await kubectl.RunAsync("create", "secret", "generic", "on-node-1", "--from-literal=k=v1", "-n", ns)).Ok();
        (await kubectl.RunAsync("create", "secret", "generic", "on-node-2", "--from-literal=k=v2", "-n", ns)).Ok();
        var manifest = string.Join("\n---\n", SecretPod("uses-1", cluster.Node1, "on-node-1"), SecretPod("uses-2", cluster.Node2, "on-node-2"));
        (await kubectl.RunWithInputAsync(manifest, "create", "-n", ns, "-f", "-")).Ok();
        var asNode2 = kubectl.WithKubeconfig(cluster.Node2Kubeconfig);

        KubectlResult own = null!;
        await Poll.UntilAsync(async () => (own = await asNode2.RunAsync("get", "secret", "on-node-2", "-n", ns, "-o", "jsonpath={.data.k}")).ExitCode == 0,
            TimeSpan.FromSeconds(10), "node 2 reads the secret of its own pod");
        Assert.Equal("djI=", own.Stdout);

        var other = await asNode2.RunAsync("get", "secret", "on-node-1", "-n", ns);
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains($"Error from server (Forbidden): secrets \"on-node-1\" is forbidden: User \"system:node:{cluster.Node2}\" cannot get resource \"secrets\" in API group \"\" in the namespace \"{ns}\": no relationship found between node '{cluster.Node2}' and this object", other.Stderr);
        var list = await asNode2.RunAsync("get", "secrets", "-n", ns);
        Assert.Contains("Error from server (Forbidden)", list.Stderr);

        // The agent's service proxy and its informers run under the same identity and were not refused.
        foreach (var resource in (string[])["services", "endpointslices", "nodes"])
            Assert.DoesNotContain($"cannot list resource \"{resource}\"", cluster.AgentLog);
    }

    [Fact]
    public async Task JoinedNode_PublishesItsClusterDns_AndItsPodsResolveServiceNames()
    {
        var pods = await PodsAsync();
        var kubernetesIp = (await cluster.Kubectl.RunAsync("get", "service", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}")).Ok().Stdout;

        // Node 2's agent wrote its own kube-dns slice under its node identity (the Node authorizer's one exception).
        await Poll.UntilAsync(async () => (await cluster.Kubectl.RunAsync("get", "endpointslice", "-n", "kube-system", "kube-dns-" + cluster.Node2)).ExitCode == 0,
            TimeSpan.FromSeconds(30), $"kube-system/kube-dns-{cluster.Node2} published");
        foreach (var client in (string[])["peer-1", "peer-2"])
        {
            KubectlResult? last = null;
            try
            {
                await Poll.UntilAsync(async () =>
                {
                    last = await cluster.Kubectl.RunAsync("exec", "-n", pods.Namespace, client, "--", "timeout", "5", "nslookup", "kubernetes.default.svc.cluster.local");
                    return last.ExitCode == 0 && last.Stdout.Contains(kubernetesIp, StringComparison.Ordinal);
                }, TimeSpan.FromSeconds(30), $"{client} resolves kubernetes.default.svc.cluster.local to {kubernetesIp}");
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}\n{last}\nnode 2 agent log (tail):\n{cluster.AgentLog[Math.Max(0, cluster.AgentLog.Length - 3000)..]}");
            }
        }
    }

    private static string SecretPod(string name, string node, string secret) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
        spec:
          nodeName: {node}
          terminationGracePeriodSeconds: 1
          containers:
          - name: c
            image: busybox:latest
            imagePullPolicy: IfNotPresent
            command: ["sleep", "3600"]
            envFrom: [{"{"}secretRef: {"{"}name: {secret}{"}}"}]
        """;

    [Fact]
    public async Task Join_WithWrongCaHash_IsRefusedBeforeAnythingStarts()
    {
        var token = cluster.JoinToken[(cluster.JoinToken.IndexOf("::", StringComparison.Ordinal) + 2)..];
        var dataDir = Path.Combine(Path.GetTempPath(), "bosun-2n-wrong-" + Guid.NewGuid().ToString("N")[..6]);
        try
        {
            var (code, output) = await BosunBinary.RunAsync("agent", "--server", cluster.ServerUrl.ToString().TrimEnd('/'), "--token", $"K10{new string('0', 64)}::{token}",
                "--data-dir", dataDir, "--node-name", "wrong-ca", "--disable-kube-proxy", "--disable-cluster-dns");

            Assert.Equal(2, code);
            Assert.Contains("refusing to join", output);
            Assert.False(File.Exists(Path.Combine(dataDir, "agent", "kubelet.kubeconfig")));
            Assert.Equal(1, (await cluster.Kubectl.RunAsync("get", "node", "wrong-ca")).ExitCode);
        }
        finally
        {
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task UnknownFlannelBackend_IsAClearUsageError()
    {
        var (code, output) = await BosunBinary.RunAsync("agent", "--server", cluster.ServerUrl.ToString().TrimEnd('/'), "--token", "K10" + new string('0', 64) + "::abcdef.0123456789abcdef",
            "--flannel-backend", "vxlan", "--data-dir", Path.Combine(Path.GetTempPath(), "bosun-2n-never"));

        Assert.Equal(2, code);
        Assert.Contains("bosun agent: --flannel-backend: \"vxlan\" is not supported (host-gw or none)", output);
    }
}
