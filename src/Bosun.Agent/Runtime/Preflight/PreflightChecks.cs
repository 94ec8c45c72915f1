using System.Net;
using System.Net.Sockets;

namespace Bosun.Agent.Runtime.Preflight;

/// <summary>
/// kubeadm's preflight phase for Bosun: pure checks over an <see cref="IPreflightHost"/>, each returning its findings
/// (none when the host is fine).
/// </summary>
internal static class PreflightChecks
{
    public const string IpForwardPath = "/proc/sys/net/ipv4/ip_forward";
    public const string BridgeNfPath = "/proc/sys/net/bridge/bridge-nf-call-iptables";
    private static readonly string[] CgroupControllers = ["cpu", "memory", "pids"];

    /// <summary>Every check that applies to <paramref name="plan"/>, in kubeadm's order (privileges, ports, files, system).</summary>
    public static List<PreflightFinding> Run(PreflightPlan plan, IPreflightHost host)
    {
        var findings = new List<PreflightFinding>();
        if (plan.RunsAgent) findings.AddRange(Root(host));
        findings.AddRange(Ports(plan, host));
        findings.AddRange(DataDir(plan.DataDir, host));
        if (!plan.RunsAgent) return findings;
        findings.AddRange(Dependencies(plan, host));
        if (plan.OwnContainerd)
        {
            findings.AddRange(Overlay(host));
            findings.AddRange(Cgroups(host));
        }
        if (plan.RunPodNetwork || plan.RunServiceProxy) findings.AddRange(IpForward(host));
        if (plan.RunServiceProxy) findings.AddRange(BridgeNetfilter(host));
        findings.AddRange(Swap(host));
        return findings;
    }

    public static IEnumerable<PreflightFinding> Root(IPreflightHost host)
    {
        if (!host.IsRoot) yield return Error("IsPrivilegedUser", "user is not running as root (the node agent needs root for containerd, cgroups and iptables)");
    }

    public static IEnumerable<PreflightFinding> Ports(PreflightPlan plan, IPreflightHost host)
    {
        // Port 0 means "any free port": nothing to check.
        if (plan.ApiServer is { Port: > 0 } api && !host.CanBind(api, ProtocolType.Tcp)) yield return PortInUse(api.Port);
        if (!plan.RunsAgent) yield break;
        if (plan.KubeletPort > 0 && !host.CanBind(new IPEndPoint(IPAddress.Any, plan.KubeletPort), ProtocolType.Tcp)) yield return PortInUse(plan.KubeletPort);
        if (plan.DnsListenAddress is { } dns)
        {
            var endpoint = new IPEndPoint(dns, 53);
            if (!host.CanBind(endpoint, ProtocolType.Udp) || !host.CanBind(endpoint, ProtocolType.Tcp))
                yield return Error("Port-53", $"Port 53 is in use on {dns} (the cluster DNS listens there; or use --disable-cluster-dns)");
        }
    }

    public static IEnumerable<PreflightFinding> DataDir(string dataDir, IPreflightHost host)
    {
        if (host.WritableProblem(dataDir) is { } why) yield return Error("DataDir", $"data dir {dataDir} is not writable: {why}");
    }

    /// <summary>Missing packages are an error only when they will not be installed (not root, or --no-install).</summary>
    public static IEnumerable<PreflightFinding> Dependencies(PreflightPlan plan, IPreflightHost host)
    {
        var decision = HostDependencies.Decide(host.MissingDependencies(), host.IsRoot, plan.NoInstall);
        if (decision.Action == DependencyAction.Fail) yield return Error("HostDependencies", decision.Message.Replace("\n  ", " "));
        else if (decision.Action == DependencyAction.Install) yield return Warning("HostDependencies", decision.Message);
    }

    /// <summary>containerd's overlayfs snapshotter: loaded, or a module the kernel loads on the first mount.</summary>
    public static IEnumerable<PreflightFinding> Overlay(IPreflightHost host)
    {
        if (HasLine(host.ReadFile("/proc/filesystems"), l => l.Split('\t', ' ').Contains("overlay"))) yield break;
        var release = host.ReadFile("/proc/sys/kernel/osrelease")?.Trim();
        var modules = release is null ? null : host.ReadFile($"/lib/modules/{release}/modules.dep");
        if (modules is not null && modules.Contains("/overlay.ko", StringComparison.Ordinal)) yield break;
        yield return Error("OverlayFS", "the overlay filesystem is not in /proc/filesystems and no overlay module was found; containerd's snapshotter needs it (CONFIG_OVERLAY_FS, modprobe overlay)");
    }

    /// <summary>cgroup v2 with cpu, memory and pids enabled at the root, or v1 hierarchies for each.</summary>
    public static IEnumerable<PreflightFinding> Cgroups(IPreflightHost host)
    {
        var v2 = host.ReadFile("/sys/fs/cgroup/cgroup.controllers");
        IEnumerable<string> enabled;
        string where;
        if (v2 is not null)
        {
            enabled = v2.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            where = "cgroup v2, /sys/fs/cgroup/cgroup.controllers";
        }
        else
        {
            enabled = (host.ReadFile("/proc/mounts") ?? "").Split('\n')
                .Select(l => l.Split(' '))
                .Where(f => f.Length > 3 && f[2] == "cgroup")
                .SelectMany(f => f[3].Split(','));
            where = "cgroup v1 mounts in /proc/mounts";
        }
        var missing = CgroupControllers.Except(enabled).ToList();
        if (missing.Count > 0) yield return Error("Cgroups", $"cgroup controllers not available: {string.Join(", ", missing)} ({where}); pods' resource limits need them");
    }

    /// <summary>Pods reach each other and Services through forwarding. As root it is switched on (as k3s does), else it is an error.</summary>
    public static IEnumerable<PreflightFinding> IpForward(IPreflightHost host)
    {
        if (host.ReadFile(IpForwardPath)?.Trim() == "1") yield break;
        if (host.IsRoot)
            yield return new PreflightFinding("FileContent--proc-sys-net-ipv4-ip_forward", PreflightSeverity.Warning,
                $"{IpForwardPath} contents are not set to 1; setting net.ipv4.ip_forward=1 for pod traffic", (IpForwardPath, "1"));
        else
            yield return Error("FileContent--proc-sys-net-ipv4-ip_forward", $"{IpForwardPath} contents are not set to 1; run: sysctl -w net.ipv4.ip_forward=1");
    }

    /// <summary>
    /// The service proxy's rules must see traffic between pods on the same bridge (br_netfilter). As root the module is
    /// loaded and the switch set (as k3s does; a fresh Debian machine has neither), else it is an error.
    /// </summary>
    public static IEnumerable<PreflightFinding> BridgeNetfilter(IPreflightHost host)
    {
        var value = host.ReadFile(BridgeNfPath)?.Trim();
        if (value == "1") yield break;
        if (host.IsRoot)
            yield return new PreflightFinding(value is null ? "FileExisting--proc-sys-net-bridge-bridge-nf-call-iptables" : "FileContent--proc-sys-net-bridge-bridge-nf-call-iptables",
                PreflightSeverity.Warning,
                $"{BridgeNfPath} {(value is null ? "does not exist; loading br_netfilter and" : "contents are not set to 1;")} setting net.bridge.bridge-nf-call-iptables=1 for Service traffic between pods",
                (BridgeNfPath, "1"), value is null ? "br_netfilter" : null);
        else if (value is null)
            yield return Error("FileExisting--proc-sys-net-bridge-bridge-nf-call-iptables", $"{BridgeNfPath} does not exist; load the module with: modprobe br_netfilter");
        else if (value != "1")
            yield return Error("FileContent--proc-sys-net-bridge-bridge-nf-call-iptables", $"{BridgeNfPath} contents are not set to 1; run: sysctl -w net.bridge.bridge-nf-call-iptables=1");
    }

    /// <summary>
    /// A warning, as in k3s, not kubeadm's error: Bosun sets no swap limits, so swap only lets pods exceed memory limits
    /// later than they would; refusing to start on every machine with swap would help nobody.
    /// </summary>
    public static IEnumerable<PreflightFinding> Swap(IPreflightHost host)
    {
        var swaps = (host.ReadFile("/proc/swaps") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Count();
        if (swaps > 0) yield return Warning("Swap", "swap is on; pods' memory limits do not cover swap use. Please disable swap (swapoff -a) for predictable limits");
    }

    private static PreflightFinding PortInUse(int port) => Error($"Port-{port}", $"Port {port} is in use");
    private static PreflightFinding Error(string name, string message) => new(name, PreflightSeverity.Error, message);
    private static PreflightFinding Warning(string name, string message) => new(name, PreflightSeverity.Warning, message);
    private static bool HasLine(string? text, Func<string, bool> match) => text is not null && text.Split('\n').Any(match);
}
