using System.Net;
using System.Net.Sockets;
using Bosun.Agent.Runtime;
using Bosun.Agent.Runtime.Preflight;

namespace Bosun.Agent.Tests.Runtime.Preflight;

public sealed class PreflightChecksTests
{
    private static readonly IPEndPoint Api = new(IPAddress.Loopback, 6443);

    private static PreflightPlan Plan(bool agent = true) => new()
    {
        DataDir = "/var/lib/bosun",
        ApiServer = Api,
        RunsAgent = agent,
        OwnContainerd = true,
        RunServiceProxy = true,
        RunPodNetwork = true,
        DnsListenAddress = IPAddress.Parse("192.0.2.10"),
    };

    private static List<PreflightFinding> Run(FakePreflightHost host, PreflightPlan? plan = null) => PreflightChecks.Run(plan ?? Plan(), host);

    [Fact]
    public void HealthyHost_HasNoFindings() => Assert.Empty(Run(new FakePreflightHost()));

    [Fact]
    public void ApiServerPortInUse_IsAnErrorNamedLikeKubeadms()
    {
        var host = new FakePreflightHost();
        host.Busy.Add((Api, ProtocolType.Tcp));

        var f = Assert.Single(Run(host));
        Assert.Equal(("Port-6443", PreflightSeverity.Error, "Port 6443 is in use"), (f.Name, f.Severity, f.Message));
    }

    [Fact]
    public void ApiServerPortZero_IsNotChecked()
    {
        var host = new FakePreflightHost();
        host.Busy.Add((new IPEndPoint(IPAddress.Loopback, 0), ProtocolType.Tcp));

        Assert.Empty(Run(host, Plan() with { ApiServer = new IPEndPoint(IPAddress.Loopback, 0) }));
    }

    [Fact]
    public void KubeletPortInUse_IsAnError()
    {
        var host = new FakePreflightHost();
        host.Busy.Add((new IPEndPoint(IPAddress.Any, 10250), ProtocolType.Tcp));

        Assert.Equal("Port-10250", Assert.Single(Run(host)).Name);
    }

    [Fact]
    public void DnsPortInUseOnTheNodeIp_IsAnError()
    {
        var host = new FakePreflightHost();
        host.Busy.Add((new IPEndPoint(IPAddress.Parse("192.0.2.10"), 53), ProtocolType.Udp));

        var f = Assert.Single(Run(host));
        Assert.Equal("Port-53", f.Name);
        Assert.Contains("192.0.2.10", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DisabledAgent_SkipsEveryNodeCheck()
    {
        var host = new FakePreflightHost { IsRoot = false };
        host.Files.Clear();
        host.Busy.Add((new IPEndPoint(IPAddress.Any, 10250), ProtocolType.Tcp));
        host.Missing.AddRange(HostDependencies.All);

        Assert.Empty(Run(host, Plan(agent: false)));
    }

    [Fact]
    public void NotRoot_WithTheAgent_IsAnError()
    {
        var findings = Run(new FakePreflightHost { IsRoot = false });

        Assert.Contains(findings, f => f is { Name: "IsPrivilegedUser", Severity: PreflightSeverity.Error });
    }

    [Fact]
    public void UnwritableDataDir_IsAnError()
    {
        var host = new FakePreflightHost();
        host.Unwritable["/var/lib/bosun"] = "Read-only file system";

        var f = Assert.Single(Run(host));
        Assert.Equal("DataDir", f.Name);
        Assert.Contains("Read-only file system", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingPackages_AsRoot_AreAWarningBecauseTheyGetInstalled()
    {
        var host = new FakePreflightHost();
        host.Missing.Add(HostDependencies.All.Single(r => r.Name == "runc"));

        var f = Assert.Single(Run(host));
        Assert.Equal(("HostDependencies", PreflightSeverity.Warning), (f.Name, f.Severity));
    }

    [Fact]
    public void MissingPackages_WithNoInstall_AreAnErrorWithTheAptGetLine()
    {
        var host = new FakePreflightHost();
        host.Missing.Add(HostDependencies.All.Single(r => r.Name == "runc"));

        var f = Assert.Single(Run(host, Plan() with { NoInstall = true }));
        Assert.Equal(("HostDependencies", PreflightSeverity.Error), (f.Name, f.Severity));
        Assert.Contains("apt-get install -y runc", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlayNotLoadedButAvailableAsAModule_Passes()
    {
        var host = new FakePreflightHost();
        host.Files["/proc/filesystems"] = "nodev\tsysfs\n";
        host.Files["/proc/sys/kernel/osrelease"] = "6.1.0-test\n";
        host.Files["/lib/modules/6.1.0-test/modules.dep"] = "kernel/fs/overlayfs/overlay.ko.xz:\n";

        Assert.Empty(Run(host));
    }

    [Fact]
    public void OverlayMissing_IsAnError()
    {
        var host = new FakePreflightHost();
        host.Files["/proc/filesystems"] = "nodev\tsysfs\n";

        Assert.Equal("OverlayFS", Assert.Single(Run(host)).Name);
    }

    [Fact]
    public void OverlayAndCgroups_AreNotCheckedWithAnExternalRuntime()
    {
        var host = new FakePreflightHost();
        host.Files.Remove("/proc/filesystems");
        host.Files.Remove("/sys/fs/cgroup/cgroup.controllers");

        Assert.Empty(Run(host, Plan() with { OwnContainerd = false }));
    }

    [Fact]
    public void CgroupV2WithoutMemoryAndPids_NamesTheMissingControllers()
    {
        var host = new FakePreflightHost();
        host.Files["/sys/fs/cgroup/cgroup.controllers"] = "cpuset cpu io\n";

        var f = Assert.Single(Run(host));
        Assert.Equal("Cgroups", f.Name);
        Assert.Contains("memory, pids (cgroup v2", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CgroupV1WithEachControllerMounted_Passes()
    {
        var host = new FakePreflightHost();
        host.Files.Remove("/sys/fs/cgroup/cgroup.controllers");
        host.Files["/proc/mounts"] = """
            cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
            cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
            cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
            """;

        Assert.Empty(Run(host));
    }

    [Fact]
    public void CgroupV1WithoutPids_IsAnError()
    {
        var host = new FakePreflightHost();
        host.Files.Remove("/sys/fs/cgroup/cgroup.controllers");
        host.Files["/proc/mounts"] = "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n";

        Assert.Contains("pids (cgroup v1", Assert.Single(Run(host)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IpForwardOff_AsRoot_IsAWarningThatSetsIt()
    {
        var host = new FakePreflightHost();
        host.Files[PreflightChecks.IpForwardPath] = "0\n";

        var f = Assert.Single(Run(host));
        Assert.Equal(PreflightSeverity.Warning, f.Severity);
        Assert.Equal((PreflightChecks.IpForwardPath, "1"), f.Fix);
    }

    [Fact]
    public void IpForwardOff_NotRoot_IsAnErrorWithTheSysctlLine()
    {
        var host = new FakePreflightHost { IsRoot = false };
        host.Files[PreflightChecks.IpForwardPath] = "0\n";

        var f = Assert.Single(Run(host), f => f.Name == "FileContent--proc-sys-net-ipv4-ip_forward");
        Assert.Equal(PreflightSeverity.Error, f.Severity);
        Assert.Contains("sysctl -w net.ipv4.ip_forward=1", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IpForwardAndBridgeNetfilter_AreNotCheckedWithoutProxyOrPodNetwork()
    {
        var host = new FakePreflightHost();
        host.Files[PreflightChecks.IpForwardPath] = "0\n";
        host.Files.Remove(PreflightChecks.BridgeNfPath);

        Assert.Empty(Run(host, Plan() with { RunServiceProxy = false, RunPodNetwork = false }));
    }

    [Fact]
    public void BridgeNetfilterMissing_NotRoot_IsAnErrorSayingModprobe()
    {
        var host = new FakePreflightHost { IsRoot = false };
        host.Files.Remove(PreflightChecks.BridgeNfPath);

        var f = Assert.Single(Run(host), f => f.Name.Contains("bridge", StringComparison.Ordinal));
        Assert.Equal("FileExisting--proc-sys-net-bridge-bridge-nf-call-iptables", f.Name);
        Assert.Equal(PreflightSeverity.Error, f.Severity);
        Assert.Contains("modprobe br_netfilter", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BridgeNetfilterMissing_AsRoot_IsAWarningThatLoadsTheModuleAndSetsTheSwitch()
    {
        var host = new FakePreflightHost();
        host.Files.Remove(PreflightChecks.BridgeNfPath);

        var f = Assert.Single(Run(host));
        Assert.Equal(PreflightSeverity.Warning, f.Severity);
        Assert.Equal("br_netfilter", f.Module);
        Assert.Equal((PreflightChecks.BridgeNfPath, "1"), f.Fix);
    }

    [Fact]
    public void BridgeNetfilterOff_NotRoot_IsAnError()
    {
        var host = new FakePreflightHost { IsRoot = false };
        host.Files[PreflightChecks.BridgeNfPath] = "0\n";

        var f = Assert.Single(Run(host), f => f.Name.Contains("bridge", StringComparison.Ordinal));
        Assert.Equal("FileContent--proc-sys-net-bridge-bridge-nf-call-iptables", f.Name);
        Assert.Equal(PreflightSeverity.Error, f.Severity);
    }

    [Fact]
    public void SwapOn_IsAWarning()
    {
        var host = new FakePreflightHost();
        host.Files["/proc/swaps"] += "/swapfile                               file\t\t1048572\t\t0\t\t-2\n";

        var f = Assert.Single(Run(host));
        Assert.Equal(("Swap", PreflightSeverity.Warning), (f.Name, f.Severity));
    }
}
