using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Bosun.E2E.Tests.Infrastructure;
using Bosun.Testing.Containers;

namespace Bosun.E2E.Tests.Containers;

/// <summary>
/// The built <c>bosun server</c> with its node agent on a private containerd (<see cref="ContainerdFixture"/>: own
/// data dir, bridge and subnet, the test images imported, §13 teardown), driven by the real kubectl. The node's
/// address is 127.0.0.1, so the API server reaches the agent's streaming port on loopback only.
/// </summary>
public sealed class AgentCluster : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("bosun-ct");
    private bool serviceProxy;
    private int _namespaces;

    /// <summary>
    /// The agent's service proxy and cluster DNS on: it owns the host's KUBE-* chains while the cluster runs (so only one
    /// such cluster at a time), and <c>bosun agent --cleanup</c> removes them at the end. The node gets an address of the
    /// test's own (<see cref="TestNodeAddress"/>) and the DNS forwards to a <see cref="LoopbackResolver"/> given with
    /// <c>--resolv-conf</c>, so no query leaves the machine. By default the proxy and DNS are off and the node is 127.0.0.1.
    /// </summary>
    internal static AgentCluster WithServiceProxy() => new() { serviceProxy = true };

    /// <summary>The name the <see cref="Resolver"/> knows (anything else is NXDOMAIN there) and its address (TEST-NET-2, never contacted).</summary>
    internal const string UpstreamName = "upstream.test";
    internal static readonly IPAddress UpstreamAddress = IPAddress.Parse("198.51.100.7");

    /// <summary>With the service proxy: the node's own address (NodePorts answer there, the cluster DNS listens there).</summary>
    internal TestNodeAddress? NodeAddress { get; private set; }

    /// <summary>With the service proxy: the only upstream of the cluster DNS.</summary>
    internal LoopbackResolver? Resolver { get; private set; }

    internal string NodeIp => NodeAddress?.Address.ToString() ?? "127.0.0.1";

    internal ContainerdFixture Containerd { get; private set; } = null!;
    internal BosunProcess Server { get; private set; } = null!;
    internal Kubectl Kubectl { get; private set; } = null!;
    internal string NodeName { get; } = "ct-" + Guid.NewGuid().ToString("N")[..6];
    internal string DataDir => _temp.Combine("data");

    public async Task InitializeAsync()
    {
        Containerd = await ContainerdFixture.StartAsync();
        // Nothing may leave the machine: docker.io (where short names resolve) points at a closed loopback port.
        var dockerHub = Path.Combine(Containerd.CertsDir, "docker.io");
        Directory.CreateDirectory(dockerHub);
        await File.WriteAllTextAsync(Path.Combine(dockerHub, "hosts.toml"), $"server = \"http://127.0.0.1:{FreePort.Next()}\"\n");
        if (serviceProxy)
        {
            NodeAddress = TestNodeAddress.Create();
            Resolver = new LoopbackResolver(UpstreamName, UpstreamAddress);
            await File.WriteAllTextAsync(_temp.Combine("resolv.conf"), Resolver.ResolvConf);
        }
        await StartServerAsync();
        Kubectl = new Kubectl(Server.KubeconfigPath, _temp.Combine("home"));
        await Poll.UntilAsync(async () =>
        {
            var node = await Kubectl.RunAsync("get", "node", NodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
            return node.ExitCode == 0 && node.Stdout == "True";
        }, TimeSpan.FromSeconds(60), $"node {NodeName} Ready\n{Server.Log}");
    }

    /// <summary>Starts (or restarts, after <see cref="BosunProcess.KillAsync"/>) the server on the same data dir.</summary>
    internal async Task StartServerAsync()
    {
        string[] args =
        [
            "--node-name", NodeName, "--node-ip", NodeIp, "--kubelet-port", FreePort.Next().ToString(),
            "--container-runtime-endpoint", Containerd.Socket, "--node-monitor-grace-period", "20",
            "--cgroup-root", $"/bosun-test-{Containerd.Id}",
            .. serviceProxy ? ["--resolv-conf", _temp.Combine("resolv.conf")] : new[] { "--disable-kube-proxy", "--disable-cluster-dns" },
        ];
        Server = await BosunProcess.StartWithAgentAsync(DataDir, args);
    }

    /// <summary>
    /// A manifest whose <c>:latest</c> images are taken from the node (imagePullPolicy defaults to Always for them, and
    /// these tests never pull): the seed's files stay as written, the test adds the policy.
    /// </summary>
    internal static string Offline(string yaml) =>
        System.Text.RegularExpressions.Regex.Replace(yaml, @"(?m)^(\s*)image: (\S+:latest)\s*$", "$1image: $2\n$1imagePullPolicy: IfNotPresent");

    /// <summary>A namespace of the test's own; the fixture deletes them all (and so their pods) at the end.</summary>
    internal async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        (await Kubectl.RunWithInputAsync(Manifests.Namespace(name), "create", "-f", "-")).Ok();
        return name;
    }

    internal async Task<JsonElement> PodAsync(string ns, string name) =>
        (await Kubectl.RunAsync("get", "pod", name, "-n", ns, "-o", "json")).Ok().Json;

    /// <summary>Polls the pod until <paramref name="condition"/> holds; the timeout message carries the pod and the server log tail.</summary>
    internal async Task<JsonElement> WaitPodAsync(string ns, string name, Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        JsonElement last = default;
        try
        {
            await Poll.UntilAsync(async () =>
            {
                var result = await Kubectl.RunAsync("get", "pod", name, "-n", ns, "-o", "json");
                if (result.ExitCode != 0) return false;
                last = result.Json;
                return condition(last);
            }, timeout, what);
        }
        catch (TimeoutException e)
        {
            var log = Server.Log;
            throw new TimeoutException($"{e.Message}\npod: {last}\nserver log (tail):\n{log[Math.Max(0, log.Length - 4000)..]}");
        }
        return last;
    }

    internal Task<JsonElement> WaitRunningAndReadyAsync(string ns, string name) =>
        WaitPodAsync(ns, name, p => Phase(p) == "Running" && Condition(p, "Ready") == "True", TimeSpan.FromSeconds(90), $"{ns}/{name} Running and Ready");

    internal static string? Phase(JsonElement pod) =>
        pod.GetProperty("status").TryGetProperty("phase", out var p) ? p.GetString() : null;

    internal static string? Condition(JsonElement pod, string type)
    {
        if (!pod.GetProperty("status").TryGetProperty("conditions", out var conditions)) return null;
        foreach (var c in conditions.EnumerateArray())
            if (c.GetProperty("type").GetString() == type) return c.GetProperty("status").GetString();
        return null;
    }

    internal static JsonElement ContainerStatus(JsonElement pod, string container, string list = "containerStatuses")
    {
        if (pod.GetProperty("status").TryGetProperty(list, out var statuses))
            foreach (var s in statuses.EnumerateArray())
                if (s.GetProperty("name").GetString() == container) return s;
        return default;
    }

    internal static int RestartCount(JsonElement pod, string container) =>
        ContainerStatus(pod, container) is { ValueKind: JsonValueKind.Object } s ? s.GetProperty("restartCount").GetInt32() : 0;

    internal static string? WaitingReason(JsonElement pod, string container, string list = "containerStatuses") =>
        ContainerStatus(pod, container, list) is { ValueKind: JsonValueKind.Object } s
        && s.GetProperty("state").TryGetProperty("waiting", out var w) && w.TryGetProperty("reason", out var r) ? r.GetString() : null;

    public async Task DisposeAsync()
    {
        // Delete the tests' namespaces first so the agent tears their pods down (sandboxes, cgroups, volumes) itself.
        if (Server is { HasExited: false })
        {
            var namespaces = (await Kubectl.RunAsync("get", "ns", "-o", "name")).Lines
                .Select(l => l["namespace/".Length..]).Where(n => n.Contains('-') && char.IsDigit(n[^1])).ToArray();
            if (namespaces.Length > 0)
                await Kubectl.RunAsync(["delete", "ns", .. namespaces, "--wait=true", "--timeout=90s"], null, TimeSpan.FromSeconds(120));
            // Finished pods leave the API at once; the agent tears their volumes down after it sees them go.
            try
            {
                await Poll.UntilAsync(() => MountsUnder(_temp.Path).Count == 0, TimeSpan.FromSeconds(60), "the agent to unmount deleted pods' volumes");
            }
            catch (TimeoutException)
            {
                // Reported below with the mounts that are left.
            }
            await Server.DisposeAsync();
        }
        if (serviceProxy)
        {
            // What kube-proxy --cleanup does: the proxy leaves its rules in place when it stops, as upstream.
            var cleanup = await BosunBinary.RunAsync("agent", "--cleanup");
            Resolver?.Dispose();
            NodeAddress?.Dispose();
            Assert.True(cleanup.ExitCode == 0, cleanup.Output);
        }
        // The agent unmounts a pod's volumes before its API object goes: anything still mounted here is a leak.
        var mounts = MountsUnder(_temp.Path);
        foreach (var mount in mounts.OrderByDescending(m => m.Length)) Process.Start("umount", ["-l", mount])!.WaitForExit();
        if (Containerd is not null) await Containerd.DisposeAsync();
        _temp.Dispose();
        Assert.True(mounts.Count == 0, "mounts left under the data dir: " + string.Join(", ", mounts));
        var leftovers = Containerd?.Leftovers ?? [];
        Assert.True(leftovers.Count == 0, "left on the host: " + string.Join("; ", leftovers));
    }

    private static List<string> MountsUnder(string dir) =>
        [.. File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(dir + "/", StringComparison.Ordinal))];
}

[CollectionDefinition(Name)]
public sealed class AgentClusterCollection : ICollectionFixture<AgentCluster>
{
    public const string Name = "agent-cluster";
}

/// <summary>Classes with a cluster of their own that kill it or own the host's iptables: run alone, after the rest.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialAgentClusterCollection
{
    public const string Name = "agent-cluster-serial";
}
