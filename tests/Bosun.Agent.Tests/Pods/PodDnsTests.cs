using Bosun.Agent.Pods;
using k8s.Models;
using static Bosun.Agent.Tests.Pods.PodFixtures;

namespace Bosun.Agent.Tests.Pods;

public sealed class PodDnsTests
{
    private static readonly DnsSettings Host = DnsSettings.Parse("# host\nnameserver 192.0.2.53\nsearch example.test\noptions edns0\n");

    [Fact]
    public void Compute_ClusterFirst_ClusterServerSearchesAndNdots()
    {
        var pod = Pod();
        pod.Metadata.NamespaceProperty = "shop";
        var d = PodDns.Compute(pod, "10.96.0.10", "cluster.local", Host);
        Assert.Equal(["10.96.0.10"], d.Servers);
        Assert.Equal(["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "example.test"], d.Searches);
        Assert.Equal(["ndots:5"], d.Options);
    }

    [Theory]
    [InlineData("Default", false)]
    [InlineData("ClusterFirst", true)]
    public void Compute_HostResolvConf_ForDefaultAndHostNetworkClusterFirst(string policy, bool hostNetwork)
    {
        var pod = Pod();
        pod.Spec.DnsPolicy = policy;
        pod.Spec.HostNetwork = hostNetwork;
        var d = PodDns.Compute(pod, "10.96.0.10", "cluster.local", Host);
        Assert.Equal(["192.0.2.53"], d.Servers);
        Assert.Equal(["example.test"], d.Searches);
    }

    [Fact]
    public void Compute_ClusterFirstWithHostNet_UsesClusterDns()
    {
        var pod = Pod();
        pod.Spec.DnsPolicy = "ClusterFirstWithHostNet";
        pod.Spec.HostNetwork = true;
        Assert.Equal(["10.96.0.10"], PodDns.Compute(pod, "10.96.0.10", "cluster.local", Host).Servers);
    }

    [Fact]
    public void Compute_None_OnlyDnsConfigWithOptionsMerged()
    {
        var pod = Pod();
        pod.Spec.DnsPolicy = "None";
        pod.Spec.DnsConfig = new V1PodDNSConfig
        {
            Nameservers = ["192.0.2.1"],
            Searches = ["a.test"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "2" }, new V1PodDNSConfigOption { Name = "edns0" }],
        };
        var d = PodDns.Compute(pod, "10.96.0.10", "cluster.local", Host);
        Assert.Equal(["192.0.2.1"], d.Servers);
        Assert.Equal(["a.test"], d.Searches);
        Assert.Equal(["ndots:2", "edns0"], d.Options);
    }

    [Fact]
    public void HostsFile_PodNetwork_HasPodIpHostnameAndAliases()
    {
        var pod = Pod();
        pod.Spec.HostAliases = [new V1HostAlias { Ip = "192.0.2.7", Hostnames = ["foo.local", "bar.local"] }];
        var text = PodHostsFile.Content(pod, "10.88.0.5", "cluster.local", null);
        Assert.StartsWith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n", text);
        Assert.Contains("10.88.0.5\tweb\n", text);
        Assert.EndsWith("# Entries added by HostAliases.\n192.0.2.7\tfoo.local\tbar.local\n", text);
    }

    [Fact]
    public void HostsFile_Subdomain_HasFullyQualifiedName()
    {
        var pod = Pod();
        pod.Spec.Hostname = "db-0";
        pod.Spec.Subdomain = "db";
        Assert.Contains("10.88.0.5\tdb-0.db.default.svc.cluster.local\tdb-0\n", PodHostsFile.Content(pod, "10.88.0.5", "cluster.local", null));
    }
}
