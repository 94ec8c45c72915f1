namespace Bosun.Proxy.Tests.Netns;

/// <summary>
/// A node and its pods made of network namespaces, for one test: a "node" namespace where the proxy's rules go,
/// "pod" namespaces each joined to the node by a veth pair and routed (the node side carries the gateway address;
/// no bridge, so no host-wide bridge netfilter settings), and an "outside" namespace on a /24 link to the node for
/// NodePort traffic. Nothing touches the host's own namespace: every link is created directly inside the lab's
/// namespaces, and deleting the namespaces removes all of it. Names carry a random id, so tests run in parallel.
/// </summary>
internal sealed class NetLab : IAsyncDisposable
{
    public const string Gateway = "10.244.0.1";
    public const string NodeAddress = "192.168.77.1";
    public const string OutsideAddress = "192.168.77.2";

    private readonly string id = Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> namespaces = [];
    private int links;

    private NetLab() { }

    public string Node => $"bpx{id}node";
    public string Outside => $"bpx{id}out";

    public static async Task<NetLab> CreateAsync()
    {
        var lab = new NetLab();
        try
        {
            await lab.AddNamespaceAsync(lab.Node);
            await Shell.RunAsync("ip", "netns", "exec", lab.Node, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            await lab.AddNamespaceAsync(lab.Outside);
            var n = lab.NextLink();
            await Shell.RunAsync("ip", "link", "add", n, "netns", lab.Node, "type", "veth", "peer", "name", "eth0", "netns", lab.Outside);
            await Shell.RunAsync("ip", "-n", lab.Node, "addr", "add", NodeAddress + "/24", "dev", n);
            await Shell.RunAsync("ip", "-n", lab.Node, "link", "set", n, "up");
            await Shell.RunAsync("ip", "-n", lab.Outside, "addr", "add", OutsideAddress + "/24", "dev", "eth0");
            await Shell.RunAsync("ip", "-n", lab.Outside, "link", "set", "eth0", "up");
            // The node's uplink: like a host's default route, so cluster IPs (which no interface owns) are routable.
            await Shell.RunAsync("ip", "-n", lab.Node, "route", "add", "default", "via", OutsideAddress);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>A pod namespace with <paramref name="ip"/>/32, routed through the node; returns the namespace name.</summary>
    public async Task<string> AddPodAsync(string name, string ip)
    {
        var ns = $"bpx{id}{name}";
        await AddNamespaceAsync(ns);
        var n = NextLink();
        await Shell.RunAsync("ip", "link", "add", n, "netns", Node, "type", "veth", "peer", "name", "eth0", "netns", ns);
        await Shell.RunAsync("ip", "-n", Node, "addr", "add", Gateway + "/32", "dev", n);
        await Shell.RunAsync("ip", "-n", Node, "link", "set", n, "up");
        await Shell.RunAsync("ip", "-n", Node, "route", "add", ip + "/32", "dev", n);
        await Shell.RunAsync("ip", "-n", ns, "addr", "add", ip + "/32", "dev", "eth0");
        await Shell.RunAsync("ip", "-n", ns, "link", "set", "eth0", "up");
        await Shell.RunAsync("ip", "-n", ns, "route", "add", Gateway, "dev", "eth0");
        await Shell.RunAsync("ip", "-n", ns, "route", "add", "default", "via", Gateway, "dev", "eth0");
        return ns;
    }

    /// <summary>
    /// A pod namespace on a bridge in the node (the CNI bridge plugin's layout): <paramref name="ip"/>/24 in
    /// 10.244.1.0/24 behind the bridge's 10.244.1.1, with hairpin mode on its port so it can reach itself through a
    /// Service. Same-bridge replies are only de-NATed when bridged traffic passes iptables (bridge-nf-call-iptables,
    /// 1 by default in a new namespace when br_netfilter is loaded).
    /// </summary>
    public async Task<string> AddBridgedPodAsync(string name, string ip)
    {
        var bridge = $"bpb{id}";
        if (!bridged)
        {
            await Shell.RunAsync("ip", "-n", Node, "link", "add", bridge, "type", "bridge");
            await Shell.RunAsync("ip", "-n", Node, "addr", "add", BridgeGateway + "/24", "dev", bridge);
            await Shell.RunAsync("ip", "-n", Node, "link", "set", bridge, "up");
            bridged = true;
        }
        var ns = $"bpx{id}{name}";
        await AddNamespaceAsync(ns);
        var n = NextLink();
        await Shell.RunAsync("ip", "link", "add", n, "netns", Node, "type", "veth", "peer", "name", "eth0", "netns", ns);
        await Shell.RunAsync("ip", "-n", Node, "link", "set", n, "master", bridge);
        await Shell.RunAsync("ip", "-n", Node, "link", "set", n, "up");
        await Shell.RunAsync("ip", "netns", "exec", Node, "bridge", "link", "set", "dev", n, "hairpin", "on");
        await Shell.RunAsync("ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0");
        await Shell.RunAsync("ip", "-n", ns, "link", "set", "eth0", "up");
        await Shell.RunAsync("ip", "-n", ns, "route", "add", "default", "via", BridgeGateway);
        return ns;
    }

    public const string BridgeGateway = "10.244.1.1";

    private bool bridged;

    /// <summary>iptables-save of the node namespace without comments and counters, for before/after comparisons.</summary>
    public async Task<string> SaveAsync(string? table = null)
    {
        var args = table is null ? new[] { "netns", "exec", Node, "iptables-save" } : ["netns", "exec", Node, "iptables-save", "-t", table];
        var save = await Shell.RunAsync("ip", args);
        return string.Join('\n', save.Split('\n').Where(l => !l.StartsWith('#')).Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\[\d+:\d+\]$", "[0:0]")));
    }

    public Task<string> IptablesAsync(params string[] args) => Shell.RunAsync("ip", ["netns", "exec", Node, "iptables", "-w", "5", .. args]);

    /// <summary>Name of the next node-side veth end (under the 15-character limit).</summary>
    private string NextLink() => $"bpv{id}{links++}";

    private async Task AddNamespaceAsync(string ns)
    {
        await Shell.RunAsync("ip", "netns", "add", ns);
        namespaces.Add(ns);
        await Shell.RunAsync("ip", "-n", ns, "link", "set", "lo", "up");
    }

    public async ValueTask DisposeAsync()
    {
        // Deleting a namespace deletes its veth ends, and with them the peers in the other namespaces.
        foreach (var ns in Enumerable.Reverse(namespaces)) await Shell.TryRunAsync("ip", "netns", "del", ns);
    }
}
