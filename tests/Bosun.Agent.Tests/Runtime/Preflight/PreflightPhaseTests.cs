using System.Net;
using System.Net.Sockets;
using Bosun.Agent.Runtime.Preflight;

namespace Bosun.Agent.Tests.Runtime.Preflight;

public sealed class PreflightPhaseTests
{
    private static readonly PreflightPlan Plan = new() { DataDir = "/d", ApiServer = new IPEndPoint(IPAddress.Loopback, 6443), RunsAgent = true, OwnContainerd = true, RunPodNetwork = true };

    private static (bool Ok, string Output) Run(FakePreflightHost host, params string[] ignore)
    {
        var output = new StringWriter { NewLine = "\n" };
        var ok = PreflightPhase.Run(Plan, PreflightPhase.ParseIgnore(ignore), output, host);
        return (ok, output.ToString());
    }

    private static (bool Ok, string Output) RunWithServiceProxy(FakePreflightHost host)
    {
        var output = new StringWriter { NewLine = "\n" };
        var ok = PreflightPhase.Run(Plan with { RunServiceProxy = true }, PreflightPhase.ParseIgnore([]), output, host);
        return (ok, output.ToString());
    }

    [Fact]
    public void HealthyHost_PrintsOnlyTheRunningLine()
    {
        var (ok, output) = Run(new FakePreflightHost());

        Assert.True(ok);
        Assert.Equal("[preflight] Running pre-flight checks\n", output);
    }

    [Fact]
    public void Errors_ArePrintedAsKubeadmPrintsThemAndFail()
    {
        var host = new FakePreflightHost();
        host.Busy.Add((new IPEndPoint(IPAddress.Loopback, 6443), ProtocolType.Tcp));
        host.Files["/proc/swaps"] += "/swapfile file 1 0 -2\n";

        var (ok, output) = Run(host);

        Assert.False(ok);
        Assert.Equal("""
            [preflight] Running pre-flight checks
            	[WARNING Swap]: swap is on; pods' memory limits do not cover swap use. Please disable swap (swapoff -a) for predictable limits
            error execution phase preflight: [preflight] Some fatal errors occurred:
            	[ERROR Port-6443]: Port 6443 is in use
            [preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`

            """, output);
    }

    [Theory]
    [InlineData("Port-6443")]
    [InlineData("port-6443")]
    [InlineData("Swap,Port-6443")]
    [InlineData("all")]
    public void IgnoredErrors_BecomeWarnings(string ignore)
    {
        var host = new FakePreflightHost();
        host.Busy.Add((new IPEndPoint(IPAddress.Loopback, 6443), ProtocolType.Tcp));

        var (ok, output) = Run(host, ignore);

        Assert.True(ok);
        Assert.Contains("\t[WARNING Port-6443]: Port 6443 is in use\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void IgnoringAnotherCheck_LeavesTheErrorFatal()
    {
        var host = new FakePreflightHost();
        host.Busy.Add((new IPEndPoint(IPAddress.Loopback, 6443), ProtocolType.Tcp));

        Assert.False(Run(host, "Swap").Ok);
    }

    [Fact]
    public void IpForwardOff_AsRoot_IsSwitchedOnAndSaysSo()
    {
        var host = new FakePreflightHost();
        host.Files[PreflightChecks.IpForwardPath] = "0\n";

        var (ok, output) = Run(host);

        Assert.True(ok);
        Assert.Equal([(PreflightChecks.IpForwardPath, "1")], host.Written);
        Assert.Contains("[WARNING FileContent--proc-sys-net-ipv4-ip_forward]:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BridgeNetfilterMissing_AsRoot_LoadsTheModuleThenSetsTheSwitch()
    {
        var host = new FakePreflightHost();
        host.Files.Remove(PreflightChecks.BridgeNfPath);

        var (ok, output) = RunWithServiceProxy(host);

        Assert.True(ok);
        Assert.Equal(["br_netfilter"], host.Loaded);
        Assert.Equal([(PreflightChecks.BridgeNfPath, "1")], host.Written);
        Assert.Contains("[WARNING FileExisting--proc-sys-net-bridge-bridge-nf-call-iptables]:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BridgeNetfilterModuleThatCannotLoad_IsAnError()
    {
        var host = new FakePreflightHost { ModuleFailure = "exit 1: modprobe: FATAL: Module br_netfilter not found" };
        host.Files.Remove(PreflightChecks.BridgeNfPath);

        var (ok, output) = RunWithServiceProxy(host);

        Assert.False(ok);
        Assert.Contains("[ERROR FileExisting--proc-sys-net-bridge-bridge-nf-call-iptables]:", output, StringComparison.Ordinal);
        Assert.Contains("modprobe br_netfilter failed: exit 1", output, StringComparison.Ordinal);
        Assert.Empty(host.Written);
    }

    [Fact]
    public void IpForwardFixThatFails_IsAnError()
    {
        var host = new FakePreflightHost { WriteFailure = "Read-only file system" };
        host.Files[PreflightChecks.IpForwardPath] = "0\n";

        var (ok, output) = Run(host);

        Assert.False(ok);
        Assert.Contains("[ERROR FileContent--proc-sys-net-ipv4-ip_forward]:", output, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", output, StringComparison.Ordinal);
    }
}
