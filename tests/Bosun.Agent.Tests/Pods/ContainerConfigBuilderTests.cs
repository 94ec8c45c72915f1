using Bosun.Agent.Pods;
using Bosun.Cri.V1;
using k8s.Models;
using static Bosun.Agent.Tests.Pods.PodFixtures;

namespace Bosun.Agent.Tests.Pods;

public sealed class ContainerConfigBuilderTests
{
    private static ContainerInputs Inputs(params KeyValuePair<string, string>[] env) =>
        new("sha256:abc", env, new Dictionary<string, string> { ["data"] = "/var/lib/x/data" }, "/pods/u/etc-hosts", "/pods/u/term");

    [Fact]
    public void Build_CommandAndArgs_ExpandedOnlyWhenSet()
    {
        var pod = Pod();
        var c = pod.Spec.Containers[0];
        c.Args = ["--name=$(NAME)", "$$(NAME)"];
        var config = ContainerConfigBuilder.Build(pod, c, 3, Inputs(KeyValuePair.Create("NAME", "web")));
        Assert.Empty(config.Command);   // the image's ENTRYPOINT stays; only args replace CMD
        Assert.Equal(["--name=web", "$(NAME)"], config.Args);
        Assert.Equal(3u, config.Metadata.Attempt);
        Assert.Equal("app/3.log", config.LogPath);
        Assert.Equal("3", config.Annotations["io.kubernetes.container.restartCount"]);
        Assert.Equal("sha256:abc", config.Image.Image);
    }

    [Fact]
    public void Build_Mounts_VolumesSubPathHostsAndTerminationLog()
    {
        var pod = Pod();
        var c = pod.Spec.Containers[0];
        c.VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data", SubPath = "sub", ReadOnlyProperty = true }];
        var mounts = ContainerConfigBuilder.Build(pod, c, 0, Inputs()).Mounts.ToDictionary(m => m.ContainerPath);
        Assert.Equal(("/var/lib/x/data/sub", true), (mounts["/data"].HostPath, mounts["/data"].Readonly));
        Assert.Equal("/pods/u/etc-hosts", mounts["/etc/hosts"].HostPath);
        Assert.Equal("/pods/u/term", mounts["/dev/termination-log"].HostPath);
    }

    [Fact]
    public void Build_UnknownVolume_ConfigError()
    {
        var pod = Pod();
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "nope", MountPath = "/x" }];
        Assert.Throws<ContainerConfigException>(() => ContainerConfigBuilder.Build(pod, pod.Spec.Containers[0], 0, Inputs()));
    }

    [Fact]
    public void Resources_RequestsAndLimits_SharesQuotaAndMemory()
    {
        var c = new V1Container
        {
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m") },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("64Mi") },
            },
        };
        var r = ContainerConfigBuilder.Resources(c);
        Assert.Equal(256, r.CpuShares);
        Assert.Equal(100_000, r.CpuPeriod);
        Assert.Equal(50_000, r.CpuQuota);
        Assert.Equal(64L << 20, r.MemoryLimitInBytes);
        Assert.Equal(2, ContainerConfigBuilder.Resources(new V1Container()).CpuShares);
    }

    [Fact]
    public void Security_Defaults_SeccompMaskedAndReadonlyPaths()
    {
        var pod = Pod();
        var s = ContainerConfigBuilder.Security(pod, pod.Spec.Containers[0]);
        Assert.Equal(SecurityProfile.Types.ProfileType.RuntimeDefault, s.Seccomp.ProfileType);
        Assert.Contains("/proc/kcore", s.MaskedPaths);
        Assert.Contains("/proc/sys", s.ReadonlyPaths);
        Assert.Equal(NamespaceMode.Container, s.NamespaceOptions.Pid);
        Assert.Equal(NamespaceMode.Pod, s.NamespaceOptions.Network);
    }

    [Fact]
    public void Security_PrivilegedWithUserAndCaps_NoMasksAndCapPrefixes()
    {
        var pod = Pod();
        pod.Spec.SecurityContext = new V1PodSecurityContext { RunAsUser = 1000, RunAsGroup = 3000 };
        var c = pod.Spec.Containers[0];
        c.SecurityContext = new V1SecurityContext { Privileged = true, Capabilities = new V1Capabilities { Add = ["NET_ADMIN"], Drop = ["ALL"] } };
        var s = ContainerConfigBuilder.Security(pod, c);
        Assert.True(s.Privileged);
        Assert.Empty(s.MaskedPaths);
        Assert.Null(s.Seccomp);
        Assert.Equal(1000, s.RunAsUser.Value);
        Assert.Equal(3000, s.RunAsGroup.Value);
        Assert.Equal(["CAP_NET_ADMIN"], s.Capabilities.AddCapabilities);
        Assert.Equal(["ALL"], s.Capabilities.DropCapabilities);
    }

    [Fact]
    public void Sandbox_HostNetworkAndHostPort_EmptyHostnameNodeNetworkAndMappings()
    {
        var pod = Pod();
        pod.Spec.HostNetwork = true;
        pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 8080 }, new V1ContainerPort { ContainerPort = 53, Protocol = "UDP" }];
        var config = SandboxConfigBuilder.Build(pod, 1, "/logs/x", DnsSettings.Empty, "/bosun/poduid-1");
        Assert.Equal("", config.Hostname);
        Assert.Equal(NamespaceMode.Node, config.Linux.SecurityContext.NamespaceOptions.Network);
        var mapping = Assert.Single(config.PortMappings);
        Assert.Equal((80, 8080, Protocol.Tcp), (mapping.ContainerPort, mapping.HostPort, mapping.Protocol));
        Assert.Equal("/bosun/poduid-1", config.Linux.CgroupParent);
        Assert.Equal("uid-1", config.Labels["io.kubernetes.pod.uid"]);
        Assert.Equal(1u, config.Metadata.Attempt);
    }
}
