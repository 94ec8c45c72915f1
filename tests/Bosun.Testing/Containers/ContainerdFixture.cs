using System.Net;
using Bosun.Agent;
using Bosun.Agent.Images;
using Bosun.Agent.Runtime;
using Bosun.Cri;
using Bosun.Cri.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Testing.Containers;

/// <summary>
/// A private containerd for real-container tests: its own temp data dir, a unique bridge name and /24 subnet, the CNI
/// conflist, the pause image and the test images imported. <see cref="DisposeAsync"/> tears everything down as
/// cri-containerd.md §13 says — sandboxes through CRI, containerd by pid, leftover shims matching our socket, the bridge,
/// the iptables rules and hostPort chains we added, our pod cgroups, mounts under the data dir — and records in
/// <see cref="Leftovers"/> anything of ours still on the host afterwards.
/// </summary>
public sealed class ContainerdFixture : IAsyncDisposable
{
    private static readonly string[] CgroupHierarchies =
        Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [];

    // Shared host state (nat tables, portmap's chains, ip_forward) is compared with the state before the first fixture of
    // this process started and cleaned only by the last one to stop: fixtures of one test run overlap in time.
    private static readonly Lock SharedLock = new();
    private static HostSnapshot? s_processBefore;
    private static int s_live;

    private readonly ContainerdSupervisor _supervisor;
    private readonly ContainerdOptions _options;
    private readonly HostSnapshot _before;
    private NodeRuntime? _runtime;
    private readonly bool _bridgeMasquerade;
    private bool _disposed;

    private ContainerdFixture(string dataDir, string id, IPNetwork subnet, HostSnapshot before, bool bridgeMasquerade)
    {
        _bridgeMasquerade = bridgeMasquerade;
        DataDir = dataDir;
        Id = id;
        Bridge = "bt" + id;
        Subnet = subnet;
        Paths = new AgentPaths(dataDir);
        _before = before;
        _options = new ContainerdOptions { Paths = Paths, SkipDependencyCheck = true };
        _supervisor = new ContainerdSupervisor(_options, NullLogger.Instance);
        Cri = null!;
    }

    public string DataDir { get; }

    /// <summary>Short unique id of this instance (hex); part of the bridge name and the cgroup parent.</summary>
    public string Id { get; }

    public string Bridge { get; }

    public IPNetwork Subnet { get; }

    internal AgentPaths Paths { get; }

    public string Socket => _supervisor.Layout.Socket;

    /// <summary>containerd's registry host directory (<c>certs.d</c>), for mirror tests.</summary>
    public string CertsDir => _supervisor.Layout.CertsDir;

    public int Pid { get; private set; }

    public CriChannel Cri { get; private set; }

    /// <summary>Where a test's pod logs go (inside the data dir, removed with it).</summary>
    public string LogDir(string podUid) => Path.Combine(DataDir, "logs", podUid);

    /// <summary>The cgroup parent for a pod: under a directory only this fixture uses, removed at teardown.</summary>
    public string CgroupParent(string podUid) => $"/bosun-test-{Id}/pod{podUid}";

    /// <summary>After dispose: anything of ours still present (links, iptables lines, processes, cgroups, mounts). Empty when clean.</summary>
    public IReadOnlyList<string> Leftovers { get; private set; } = [];

    /// <summary>Starts containerd and imports the pause and test images. Throws with the apt-get line when the host lacks a dependency.</summary>
    /// <param name="bridgeMasquerade">The bridge plugin's ipMasq; off for a node whose agent runs the host-gw pod network (it masquerades itself).</param>
    public static async Task<ContainerdFixture> StartAsync(CancellationToken ct = default, bool bridgeMasquerade = true)
    {
        var missing = HostDependencyProbe.FindMissing();
        if (missing.Count > 0)
            throw new InvalidOperationException(HostDependencies.Decide(missing, isRoot: false, noInstall: true).Message);

        var id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..3]);
        var dataDir = Path.Combine("/tmp", "bc-" + id);   // short: unix socket paths are limited to 108 bytes
        Directory.CreateDirectory(dataDir);
        HostSnapshot before;
        lock (SharedLock)
        {
            before = s_processBefore ??= HostSnapshot.Take();
            s_live++;
        }
        var fixture = new ContainerdFixture(dataDir, id, FreeSubnet(), before, bridgeMasquerade);
        try
        {
            await fixture.StartCoreAsync(ct);
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        // The test images go in through the images directory, as an air-gapped node's would.
        Directory.CreateDirectory(Paths.Images);
        foreach (var tarball in await TestImages.TarballsAsync())
        {
            var copy = Path.Combine(Paths.Images, Path.GetFileName(tarball));
            File.Copy(tarball, copy);
            File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddMinutes(-1));   // complete: no need to wait for it to settle
        }
        _runtime = await NodeRuntime.StartAsync(new NodeRuntimeOptions
        {
            Containerd = _options,
            PodCidr = $"{Subnet.BaseAddress}/{Subnet.PrefixLength}",
            Bridge = Bridge,
            BridgeMasquerade = _bridgeMasquerade,
        }, NullLogger.Instance, ct);
        Pid = _runtime.Endpoint.Pid!.Value;
        Cri = _runtime.Cri;
    }

    /// <summary>Switches the node's CNI network to another podCIDR, as when the IPAM controller assigns one; true when the conflist changed.</summary>
    public bool SetPodCidr(IPNetwork podCidr) => _runtime!.SetPodCidr($"{podCidr.BaseAddress}/{podCidr.PrefixLength}");

    /// <summary>A /24 in 10.200.0.0/13 that no route on the host overlaps.</summary>
    public static IPNetwork FreeSubnet()
    {
        var routes = HostCommand.Run("ip", "-4", "route", "show", "table", "all").Output;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var n = Random.Shared.Next(200 * 256, 208 * 256);
            var prefix = $"10.{n / 256}.{n % 256}.";
            if (!routes.Contains(prefix, StringComparison.Ordinal)) return IPNetwork.Parse(prefix + "0/24");
        }
        throw new InvalidOperationException("no free /24 in 10.200.0.0/13");
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        var sandboxIds = new List<string>();
        if (Cri is not null)
        {
            sandboxIds.AddRange(await RemoveAllPodsAsync());
            _runtime?.Dispose();
        }
        await _supervisor.StopAsync(CancellationToken.None);
        foreach (var shim in ProcessInfo.Find("containerd-shim", Socket)) ProcessInfo.Signal(shim, ProcessInfo.SigKill);
        HostCommand.Run("ip", "link", "del", Bridge);
        RemoveIptables();
        RemoveCgroups();
        UnmountUnder(DataDir);
        bool last;
        lock (SharedLock)
        {
            last = --s_live == 0;
            if (last) s_processBefore = null;
        }
        if (last)
        {
            RemoveSharedIptables();
            if (_before.IpForward == "0" && !OtherBridgesPresent()) File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "0");
        }
        Leftovers = CheckLeftovers(sandboxIds, last);
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException e)
        {
            Leftovers = [.. Leftovers, $"data dir {DataDir}: {e.Message}"];
        }
    }

    private async Task<List<string>> RemoveAllPodsAsync()
    {
        try
        {
            var sandboxes = (await Cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest())).Items.Select(s => s.Id).ToList();
            // Teardown is CPU-heavy (CNI DEL runs iptables several times): at most 4 at once (§14 pitfall 12).
            await Parallel.ForEachAsync(sandboxes, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (id, ct) =>
            {
                await Cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = id }, cancellationToken: ct);
                await Cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = id }, cancellationToken: ct);
            });
            return sandboxes;
        }
        catch (Grpc.Core.RpcException)
        {
            return [];   // containerd never came up
        }
    }

    /// <summary>Removes iptables rules naming our subnet or bridge, and hostPort chains that did not exist before and are now empty.</summary>
    private void RemoveIptables()
    {
        var subnetText = $"{Subnet.BaseAddress}/{Subnet.PrefixLength}";
        var prefix = Subnet.BaseAddress.ToString()[..^1];   // "10.201.7." matches pod /32s too
        foreach (var table in (string[])["nat", "filter"])
        {
            var lines = HostCommand.Run("iptables-save", "-t", table).Output.Split('\n');
            foreach (var rule in lines.Where(l => l.StartsWith("-A ", StringComparison.Ordinal)
                         && (l.Contains(subnetText, StringComparison.Ordinal) || l.Contains(prefix, StringComparison.Ordinal) || l.Contains(" " + Bridge + " ", StringComparison.Ordinal))))
                DeleteRule(table, rule);
        }
        RemoveOrphanCniChains();
    }

    /// <summary>
    /// A pod's CNI masquerade chain (<c>CNI-&lt;hash&gt;</c>, jumped to from POSTROUTING with the pod's address) can
    /// outlive its jump when a sandbox's network is torn down late: once nothing jumps to it, it is ours to remove.
    /// </summary>
    private void RemoveOrphanCniChains()
    {
        var lines = HostCommand.Run("iptables-save", "-t", "nat").Output.Split('\n');
        var chains = lines.Where(l => l.StartsWith(":CNI-", StringComparison.Ordinal) && !l.StartsWith(":CNI-HOSTPORT", StringComparison.Ordinal)
                && !l.StartsWith(":CNI-DN-", StringComparison.Ordinal))
            .Select(l => l[1..l.IndexOf(' ')])
            .Where(c => !_before.IptablesLines.Any(b => b.StartsWith($":{c} ", StringComparison.Ordinal)))
            .Where(c => !lines.Any(l => l.StartsWith("-A ", StringComparison.Ordinal) && l.EndsWith($"-j {c}", StringComparison.Ordinal)))
            .ToList();
        foreach (var chain in chains)
        {
            HostCommand.Run("iptables", "-t", "nat", "-F", chain);
            HostCommand.Run("iptables", "-t", "nat", "-X", chain);
        }
    }

    private void RemoveSharedIptables()
    {
        RemoveHostPortChains("iptables");
        RemoveHostPortChains("ip6tables");
        // iptables-nft created the nat tables for CNI; drop them when they are new and nobody has rules in them any more.
        foreach (var (family, save) in (ReadOnlySpan<(string, string)>)[("ip", "iptables-save"), ("ip6", "ip6tables-save")])
        {
            var natRules = HostCommand.Run(save, "-t", "nat").Output.Split('\n').Any(l => l.StartsWith("-A ", StringComparison.Ordinal));
            if (!natRules && !_before.NftTables.Contains($"table {family} nat")) HostCommand.Run("nft", "delete", "table", family, "nat");
        }
    }

    private static readonly string[] HostPortChains = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"];

    /// <summary>
    /// portmap's shared chains: per-pod rules live in CNI-HOSTPORT-DNAT (jumps to per-pod CNI-DN-* chains, removed by
    /// CNI DEL); SETMARK and MASQ hold one static rule each. When DNAT is empty no pod on the host uses hostPorts, so the
    /// chains go, unless they existed before this fixture started.
    /// </summary>
    private void RemoveHostPortChains(string tool)
    {
        var lines = HostCommand.Run(tool + "-save", "-t", "nat").Output.Split('\n');
        if (lines.Any(l => l.StartsWith("-A CNI-HOSTPORT-DNAT ", StringComparison.Ordinal))) return;
        var ours = HostPortChains.Where(c => lines.Contains($":{c} - [0:0]") || lines.Any(l => l.StartsWith($":{c} ", StringComparison.Ordinal)))
            .Where(c => !_before.IptablesLines.Contains(":" + c) || tool != "iptables")
            .ToList();
        foreach (var jump in lines.Where(l => l.StartsWith("-A ", StringComparison.Ordinal) && ours.Any(c => l.EndsWith($"-j {c}", StringComparison.Ordinal))
                     && !ours.Any(c => l.StartsWith($"-A {c} ", StringComparison.Ordinal))))
            DeleteRule(tool, "nat", jump);
        foreach (var chain in ours) HostCommand.Run(tool, "-t", "nat", "-F", chain);
        foreach (var chain in ours) HostCommand.Run(tool, "-t", "nat", "-X", chain);
    }

    private static void DeleteRule(string table, string rule) => DeleteRule("iptables", table, rule);

    private static void DeleteRule(string tool, string table, string rule)
    {
        // "-A CHAIN args" → iptables -t table -D CHAIN args; iptables-save quotes comments, which ArgumentList must not see.
        var args = SplitRule(rule[3..]);
        HostCommand.Run(tool, ["-t", table, "-D", .. args]);
    }

    internal static List<string> SplitRule(string rule)
    {
        var args = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < rule.Length; i++)
        {
            var c = rule[i];
            if (c == '\\' && i + 1 < rule.Length && quoted) { current.Append(rule[++i]); continue; }
            if (c == '"') { quoted = !quoted; continue; }
            if (c == ' ' && !quoted)
            {
                if (current.Length > 0) args.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        if (current.Length > 0) args.Add(current.ToString());
        return args;
    }

    private void RemoveCgroups()
    {
        foreach (var hierarchy in CgroupHierarchies)
        {
            var dir = Path.Combine(hierarchy, $"bosun-test-{Id}");
            if (Directory.Exists(dir)) RemoveCgroupTree(dir);
        }
    }

    private static void RemoveCgroupTree(string dir)
    {
        foreach (var child in Directory.GetDirectories(dir)) RemoveCgroupTree(child);
        try
        {
            Directory.Delete(dir);   // rmdir: a cgroup directory's control files are not real files
        }
        catch (IOException)
        {
        }
    }

    private static IEnumerable<string> MountsUnder(string dir) =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(m => m == dir || m.StartsWith(dir + "/", StringComparison.Ordinal));

    private static void UnmountUnder(string dir)
    {
        foreach (var mount in MountsUnder(dir).OrderByDescending(m => m.Length)) HostCommand.Run("umount", "-l", mount);
    }

    private static bool OtherBridgesPresent() =>
        HostCommand.Run("ip", "-o", "link", "show", "type", "bridge").Output.Trim().Length > 0;

    private List<string> CheckLeftovers(IReadOnlyList<string> sandboxIds, bool checkShared)
    {
        var markers = new List<string> { Bridge, Subnet.BaseAddress.ToString()[..^1] };
        markers.AddRange(sandboxIds);
        var after = HostSnapshot.Take();
        var leftovers = _before.LeftoversOf(after, markers).ToList();
        if (checkShared && !after.IptablesLines.Any(l => l.StartsWith("-A CNI-HOSTPORT-DNAT ", StringComparison.Ordinal)))
            leftovers.AddRange(after.IptablesLines.Except(_before.IptablesLines).Where(l => l.Contains("CNI-HOSTPORT", StringComparison.Ordinal)));
        if (checkShared && !after.IptablesLines.Any(l => l.StartsWith("-A ", StringComparison.Ordinal) && !l.Contains("CNI-HOSTPORT", StringComparison.Ordinal)))
            leftovers.AddRange(after.NftTables.Except(_before.NftTables).Where(t => t.EndsWith(" nat", StringComparison.Ordinal)).Select(t => $"nft {t} (created by this run, left empty)"));
        leftovers.AddRange(ProcessInfo.Find(Socket).Select(pid => $"process {pid}: {string.Join(' ', ProcessInfo.CommandLine(pid))}"));
        leftovers.AddRange(CgroupHierarchies.Select(h => Path.Combine(h, $"bosun-test-{Id}")).Where(Directory.Exists).Select(d => $"cgroup {d}"));
        leftovers.AddRange(MountsUnder(DataDir).Select(m => $"mount {m}"));
        return leftovers;
    }
}
