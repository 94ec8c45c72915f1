using Bosun.Agent.Runtime;

namespace Bosun.Agent.Tests.Runtime;

public sealed class HostDependenciesTests
{
    private static HostDependencies.Requirement[] Named(params string[] names) =>
        HostDependencies.All.Where(r => names.Contains(r.Name)).ToArray();

    [Fact]
    public void PackagesFor_MapsEachMissingPieceToItsDebianPackageOnce()
    {
        var packages = HostDependencies.PackagesFor(Named("static busybox", "CNI bridge plugin", "CNI portmap plugin", "ctr", "containerd"));

        Assert.Equal(["containerd", "containernetworking-plugins", "busybox-static"], packages);
    }

    [Fact]
    public void PackagesFor_CoversEveryRequirementOfTheIssue()
    {
        Assert.Equal(
            ["containerd", "runc", "containernetworking-plugins", "iptables", "busybox-static"],
            HostDependencies.PackagesFor(HostDependencies.All));
    }

    [Fact]
    public void Decide_NothingMissing_DoesNothing() =>
        Assert.Equal(DependencyAction.None, HostDependencies.Decide([], isRoot: false, noInstall: true).Action);

    [Fact]
    public void Decide_AsRoot_InstallsAndSaysWhat()
    {
        var decision = HostDependencies.Decide(Named("runc", "iptables"), isRoot: true, noInstall: false);

        Assert.Equal(DependencyAction.Install, decision.Action);
        Assert.Equal(["runc", "iptables"], decision.Packages);
        Assert.Equal("missing runc, iptables; installing: apt-get install -y runc iptables", decision.Message);
    }

    [Fact]
    public void Decide_NotRoot_FailsWithTheExactAptGetLine()
    {
        var decision = HostDependencies.Decide(Named("containerd"), isRoot: false, noInstall: false);

        Assert.Equal(DependencyAction.Fail, decision.Action);
        Assert.Equal("missing containerd (not running as root); install them with:\n  apt-get install -y containerd", decision.Message);
    }

    [Fact]
    public void Decide_RootWithNoInstall_FailsWithoutInstalling()
    {
        var decision = HostDependencies.Decide(Named("CNI loopback plugin"), isRoot: true, noInstall: true);

        Assert.Equal(DependencyAction.Fail, decision.Action);
        Assert.Contains("--no-install was given", decision.Message);
        Assert.EndsWith("apt-get install -y containernetworking-plugins", decision.Message);
    }
}
