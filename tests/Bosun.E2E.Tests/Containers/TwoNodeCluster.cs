using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Bosun.E2E.Tests.Infrastructure;
using Bosun.Testing.Containers;

namespace Bosun.E2E.Tests.Containers;

/// <summary>
/// Two nodes on one machine. Node 1 is the built <c>bosun server</c>'s agent on a private containerd
/// (<see cref="ContainerdFixture"/>, bridge masquerade off) in the host's network namespace; node 2 is a
/// <c>bosun agent</c> in a network namespace of the test's own, joined with a bootstrap token from
/// <c>bosun token create</c>, running its own containerd under its own data dir. The two are linked by a veth pair
/// with a /30 the test picks (10.250.x.y); the cluster and service CIDRs are random too, so the host-gw routes and
/// masquerade chain are this cluster's alone. Both nodes run the service proxy and cluster DNS (on their node IPs). Node 2 runs under <c>nsenter --net</c> rather than
/// <c>ip netns exec</c>: the latter remounts /sys, which hides the cgroup hierarchies runc needs.
/// Everything added (namespace, links, routes, iptables, cgroups, mounts, processes) is removed and checked at the end.
/// Programs the host's routes and nat table: run under <c>flock /tmp/bosun-hostnet.lock</c>.
/// </summary>
public sealed class TwoNodeCluster : IAsyncLifetime
{
    private static readonly string[] CgroupHierarchies = Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [];

    private readonly TempDirectory _temp = new("bosun-2n");
    private readonly string _id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..3]);
    private readonly StringBuilder _agentLog = new();
    private Process? _agent;

    internal string NetworkNamespace => "bosun-2n-" + _id;
    private string HostLink => "tnh" + _id;
    private string PeerLink => "tnp" + _id;
    internal IPAddress HostIp { get; private set; } = IPAddress.None;
    internal IPAddress PeerIp { get; private set; } = IPAddress.None;
    internal IPNetwork ClusterCidr { get; private set; }
    internal IPNetwork ServiceCidr { get; private set; }
    internal string Node1 => "tn1-" + _id;
    internal string Node2 => "tn2-" + _id;
    internal ContainerdFixture Containerd { get; private set; } = null!;
    internal BosunProcess Server { get; private set; } = null!;
    internal Kubectl Kubectl { get; private set; } = null!;
    internal string ServerDataDir => _temp.Combine("server");
    /// <summary>Short: containerd's sockets live under it (unix socket paths are limited to 108 bytes).</summary>
    internal string Node2DataDir => "/tmp/bn-" + _id;
    internal string Node2CgroupRoot => "/bosun-test-2n" + _id;
    internal Uri ServerUrl => new($"https://{HostIp}:{Server.Port}");
    /// <summary>The joined agent's own kubeconfig (its node client certificate from the CSR).</summary>
    internal string Node2Kubeconfig => Path.Combine(Node2DataDir, "agent", "kubelet.kubeconfig");
    internal string JoinToken { get; private set; } = "";
    internal string AgentLog { get { lock (_agentLog) return _agentLog.ToString(); } }

    public async Task InitializeAsync()
    {
        PickAddresses();
        CreateNetworkNamespace();
        Containerd = await ContainerdFixture.StartAsync(bridgeMasquerade: false);
        // Nothing may leave the machine: docker.io (where short names resolve) points at a closed loopback port.
        var dockerHub = Path.Combine(Containerd.CertsDir, "docker.io");
        Directory.CreateDirectory(dockerHub);
        await File.WriteAllTextAsync(Path.Combine(dockerHub, "hosts.toml"), $"server = \"http://127.0.0.1:{FreePort.Next()}\"\n");
        Server = await BosunProcess.StartWithAgentOnAllAddressesAsync(ServerDataDir,
            "--node-name", Node1, "--node-ip", HostIp.ToString(), "--kubelet-port", FreePort.Next().ToString(),
            "--container-runtime-endpoint", Containerd.Socket, "--node-monitor-grace-period", "20",
            "--cgroup-root", $"/bosun-test-{Containerd.Id}", "--cluster-cidr", ClusterCidr.ToString(), "--service-cidr", ServiceCidr.ToString(),
            "--flannel-backend", "host-gw");
        Kubectl = new Kubectl(Server.KubeconfigPath, _temp.Combine("home"));
        // The fixture's bridge takes node 1's podCIDR, as the agent's own CNI config would.
        var podCidr = await WaitNodeAsync(Node1, () => Server.Log);
        Containerd.SetPodCidr(IPNetwork.Parse(podCidr));
        JoinToken = await CreateJoinTokenAsync();
        StartNode2();
        await WaitNodeAsync(Node2, () => AgentLog);
    }

    /// <summary>A /30 for the veth pair and two /16s for pods and Services that no route on the host overlaps.</summary>
    private void PickAddresses()
    {
        var routes = HostCommand.Run("ip", "-4", "route", "show", "table", "all").Output + HostCommand.Run("ip", "-4", "addr").Output;
        var link = Enumerable.Range(0, 256).OrderBy(_ => Random.Shared.Next()).First(b => !routes.Contains($"10.250.{b}.", StringComparison.Ordinal));
        var quad = Random.Shared.Next(0, 64) * 4;
        HostIp = IPAddress.Parse($"10.250.{link}.{quad + 1}");
        PeerIp = IPAddress.Parse($"10.250.{link}.{quad + 2}");
        var free = Enumerable.Range(160, 40).OrderBy(_ => Random.Shared.Next()).Where(x => !routes.Contains($"10.{x}.", StringComparison.Ordinal)).Take(2).ToArray();
        ClusterCidr = IPNetwork.Parse($"10.{free[0]}.0.0/16");
        ServiceCidr = IPNetwork.Parse($"10.{free[1]}.0.0/16");
    }

    private void CreateNetworkNamespace()
    {
        Must("ip", "netns", "add", NetworkNamespace);
        Must("ip", "link", "add", HostLink, "type", "veth", "peer", "name", PeerLink, "netns", NetworkNamespace);
        Must("ip", "addr", "add", $"{HostIp}/30", "dev", HostLink);
        Must("ip", "link", "set", HostLink, "up");
        Must("ip", "-n", NetworkNamespace, "addr", "add", $"{PeerIp}/30", "dev", PeerLink);
        Must("ip", "-n", NetworkNamespace, "link", "set", PeerLink, "up");
        Must("ip", "-n", NetworkNamespace, "link", "set", "lo", "up");
    }

    private static void Must(string tool, params string[] args)
    {
        var (code, output) = HostCommand.Run(tool, args);
        if (code != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({code}): {output}");
    }

    /// <summary>Waits until the node is Ready with a podCIDR; returns the podCIDR.</summary>
    private async Task<string> WaitNodeAsync(string node, Func<string> log)
    {
        var podCidr = "";
        try
        {
            await Poll.UntilAsync(async () =>
            {
                var r = await Kubectl.RunAsync("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} {.spec.podCIDR}");
                var parts = r.Stdout.Split(' ');
                if (r.ExitCode != 0 || parts.Length != 2 || parts[0] != "True" || parts[1].Length == 0) return false;
                podCidr = parts[1];
                return true;
            }, TimeSpan.FromSeconds(90), $"node {node} Ready with a podCIDR");
        }
        catch (TimeoutException e)
        {
            var text = log();
            throw new TimeoutException($"{e.Message}\nlog (tail):\n{text[Math.Max(0, text.Length - 6000)..]}");
        }
        return podCidr;
    }

    /// <summary><c>bosun token create</c> prints the token and the join command; the K10 token (CA hash + bootstrap token) is taken from the latter.</summary>
    private async Task<string> CreateJoinTokenAsync()
    {
        var (code, output) = await BosunBinary.RunAsync("token", "create", "--data-dir", ServerDataDir, "--ttl", "01:00:00");
        Assert.True(code == 0, output);
        var match = Regex.Match(output, @"bosun agent --server \S+ --token (K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16})");
        Assert.True(match.Success, output);
        return match.Groups[1].Value;
    }

    private void StartNode2()
    {
        // The test images go in through the agent's images directory, as an air-gapped node's would.
        var images = Path.Combine(Node2DataDir, "agent", "images");
        Directory.CreateDirectory(images);
        foreach (var tarball in TestImages.TarballsAsync().GetAwaiter().GetResult())
        {
            var copy = Path.Combine(images, Path.GetFileName(tarball));
            File.Copy(tarball, copy);
            File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddMinutes(-1));
        }
        var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { $"--net=/run/netns/{NetworkNamespace}" }.Concat(Bosun.Testing.BosunExecutable.CommandLine).Concat(new[]
                 {
                     "agent", "--server", ServerUrl.ToString().TrimEnd('/'),
                     "--token", JoinToken, "--data-dir", Node2DataDir, "--node-name", Node2, "--node-ip", PeerIp.ToString(),
                     "--cluster-cidr", ClusterCidr.ToString(), "--cluster-dns", Offset(ServiceCidr, 10).ToString(),
                     "--cgroup-root", Node2CgroupRoot,
                 }))
            psi.ArgumentList.Add(a);
        _agent = Process.Start(psi)!;
        _agent.OutputDataReceived += (_, e) => { lock (_agentLog) _agentLog.AppendLine(e.Data); };
        _agent.ErrorDataReceived += (_, e) => { lock (_agentLog) _agentLog.AppendLine(e.Data); };
        _agent.BeginOutputReadLine();
        _agent.BeginErrorReadLine();
    }

    private static IPAddress Offset(IPNetwork network, int n)
    {
        var bytes = network.BaseAddress.GetAddressBytes();
        bytes[3] = (byte)n;
        return new IPAddress(bytes);
    }

    /// <summary>A namespace of the test's own (deleted, with its pods, at the end).</summary>
    internal async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..4]}-1";
        (await Kubectl.RunWithInputAsync(Manifests.Namespace(name), "create", "-f", "-")).Ok();
        return name;
    }

    /// <summary>Routes of ours (protocol 150) into this cluster's pod network, in the host's namespace.</summary>
    internal string[] HostRoutes() =>
        [.. HostCommand.Run("ip", "-4", "route", "show", "proto", "150").Output.Split('\n')
            .Where(l => l.StartsWith($"10.{ClusterCidr.BaseAddress.GetAddressBytes()[1]}.", StringComparison.Ordinal))];

    internal string HostNat() => HostCommand.Run("iptables-save", "-t", "nat").Output;

    public async Task DisposeAsync()
    {
        var leftovers = new List<string>();
        if (Server is { HasExited: false })
        {
            // The agents tear the tests' pods down themselves (sandboxes, cgroups, volumes).
            var namespaces = (await Kubectl.RunAsync("get", "ns", "-o", "name")).Lines
                .Select(l => l["namespace/".Length..]).Where(n => n.EndsWith("-1", StringComparison.Ordinal)).ToArray();
            if (namespaces.Length > 0)
                await Kubectl.RunAsync(["delete", "ns", .. namespaces, "--wait=true", "--timeout=90s"], null, TimeSpan.FromSeconds(120));
        }
        await StopNode2Async();
        if (Server is not null)
        {
            // SIGTERM: the agent removes its routes and masquerade chain; --cleanup removes the proxy's chains (and ours, again).
            try { await Server.TerminateAsync(); } catch (TimeoutException e) { leftovers.Add(e.Message); }
            await Server.DisposeAsync();
            var cleanup = await BosunBinary.RunAsync("agent", "--cleanup", "--cluster-cidr", ClusterCidr.ToString());
            if (cleanup.ExitCode != 0) leftovers.Add("bosun agent --cleanup: " + cleanup.Output);
        }
        if (Containerd is not null)
        {
            await Containerd.DisposeAsync();
            leftovers.AddRange(Containerd.Leftovers);
        }
        HostCommand.Run("ip", "netns", "del", NetworkNamespace);
        HostCommand.Run("ip", "link", "del", HostLink);
        leftovers.AddRange(Leftovers());
        try { Directory.Delete(Node2DataDir, recursive: true); } catch (DirectoryNotFoundException) { }
        _temp.Dispose();
        Assert.True(leftovers.Count == 0, "left on the host: " + string.Join("; ", leftovers));
    }

    /// <summary>Stops node 2's agent (SIGTERM), then its containerd, shims and any container process left in its cgroups, by pid.</summary>
    private async Task StopNode2Async()
    {
        if (_agent is { HasExited: false })
        {
            Signals.Send(_agent.Id, Signals.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _agent.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { _agent.Kill(); }
        }
        _agent?.Dispose();
        foreach (var pid in ProcessesUsing(Node2DataDir)) Signals.Send(pid, Signals.SigKill);
        foreach (var pid in CgroupProcesses()) Signals.Send(pid, Signals.SigKill);
        await Poll.UntilAsync(() => !ProcessesUsing(Node2DataDir).Any() && !CgroupProcesses().Any(), TimeSpan.FromSeconds(10), "node 2's processes gone");
        foreach (var mount in Mounts().OrderByDescending(m => m.Length)) HostCommand.Run("umount", "-l", mount);
        foreach (var hierarchy in CgroupHierarchies)
        {
            var dir = hierarchy + Node2CgroupRoot;
            if (Directory.Exists(dir)) RemoveCgroupTree(dir);
        }
    }

    private IEnumerable<string> Leftovers()
    {
        if (HostCommand.Run("ip", "netns", "list").Output.Contains(NetworkNamespace, StringComparison.Ordinal)) yield return "netns " + NetworkNamespace;
        if (HostCommand.Run("ip", "link", "show", HostLink).ExitCode == 0) yield return "link " + HostLink;
        foreach (var route in HostRoutes()) yield return "route " + route;
        foreach (var line in HostNat().Split('\n').Where(l => l.Contains("BOSUN-MASQ-", StringComparison.Ordinal) && l.Contains(ClusterCidr.ToString(), StringComparison.Ordinal)))
            yield return "iptables " + line;
        foreach (var pid in ProcessesUsing(Node2DataDir)) yield return $"process {pid}";
        foreach (var dir in CgroupHierarchies.Select(h => h + Node2CgroupRoot).Where(Directory.Exists)) yield return "cgroup " + dir;
        foreach (var mount in Mounts()) yield return "mount " + mount;
    }

    private List<string> Mounts() =>
        [.. File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(Node2DataDir + "/", StringComparison.Ordinal))];

    /// <summary>Processes whose command line names <paramref name="marker"/> (node 2's containerd and shims name their data dir).</summary>
    private static IEnumerable<int> ProcessesUsing(string marker)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (cmdline.Contains(marker, StringComparison.Ordinal)) yield return pid;
        }
    }

    private IEnumerable<int> CgroupProcesses() =>
        CgroupHierarchies.Select(h => h + Node2CgroupRoot).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "cgroup.procs", SearchOption.AllDirectories))
            .SelectMany(f => { try { return File.ReadAllLines(f); } catch (IOException) { return []; } })
            .Select(l => int.TryParse(l, out var pid) ? pid : 0).Where(pid => pid > 0).Distinct();

    private static void RemoveCgroupTree(string dir)
    {
        foreach (var child in Directory.GetDirectories(dir)) RemoveCgroupTree(child);
        try { Directory.Delete(dir); }
        catch (IOException) { }
    }
}
