using Bosun.Agent.Node;

namespace Bosun.Agent.Tests.Node;

public sealed class NodeStatusBuilderTests
{
    private static readonly DateTime T0 = new(2026, 11, 26, 1, 0, 0, DateTimeKind.Utc);

    private static readonly NodeFacts Facts = new()
    {
        Hostname = "host-a",
        InternalIp = "192.0.2.10",
        Cpus = 2,
        MemoryBytes = 4L << 30,
        EphemeralStorageBytes = 100L << 30,
        KernelVersion = "6.1.0",
        OsImage = "Debian GNU/Linux 12 (bookworm)",
        ContainerRuntimeVersion = "containerd://1.6.20",
    };

    [Fact]
    public void Status_HealthyNode_CapacityAddressesInfoAndReady()
    {
        var s = NodeStatusBuilder.Status(Facts, new NodeHealth(), 10250, null, T0);
        Assert.Equal("2", s.Capacity["cpu"].ToString());
        Assert.Equal("110", s.Capacity["pods"].ToString());
        Assert.Equal("4Gi", s.Capacity["memory"].ToString());
        Assert.Equal((4L << 30) - (100L << 20), (long)s.Allocatable["memory"].ToDecimal());
        Assert.Equal([("InternalIP", "192.0.2.10"), ("Hostname", "host-a")], s.Addresses.Select(a => (a.Type, a.Address)));
        Assert.Equal("containerd://1.6.20", s.NodeInfo.ContainerRuntimeVersion);
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", s.NodeInfo.OsImage);
        Assert.Equal(10250, s.DaemonEndpoints.KubeletEndpoint.Port);
        var conditions = s.Conditions.ToDictionary(c => c.Type);
        Assert.Equal(("True", "KubeletReady", "kubelet is posting ready status"), (conditions["Ready"].Status, conditions["Ready"].Reason, conditions["Ready"].Message));
        Assert.Equal(("False", "KubeletHasSufficientMemory"), (conditions["MemoryPressure"].Status, conditions["MemoryPressure"].Reason));
        Assert.Equal(("False", "KubeletHasNoDiskPressure"), (conditions["DiskPressure"].Status, conditions["DiskPressure"].Reason));
        Assert.Equal(("False", "KubeletHasSufficientPID"), (conditions["PIDPressure"].Status, conditions["PIDPressure"].Reason));
    }

    [Fact]
    public void Conditions_NetworkNotReady_NotReadyWithRuntimeMessage()
    {
        var health = new NodeHealth { NetworkReady = false, RuntimeMessage = "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni plugin not initialized" };
        var ready = NodeStatusBuilder.Conditions(health, null, T0).Single(c => c.Type == "Ready");
        Assert.Equal(("False", "KubeletNotReady"), (ready.Status, ready.Reason));
        Assert.StartsWith("container runtime network not ready", ready.Message);
    }

    [Fact]
    public void Conditions_LowMemoryAndDisk_PressureTrue()
    {
        var health = new NodeHealth { MemoryAvailableBytes = 50L << 20, DiskAvailableFraction = 0.05 };
        var c = NodeStatusBuilder.Conditions(health, null, T0).ToDictionary(x => x.Type);
        Assert.Equal(("True", "KubeletHasInsufficientMemory"), (c["MemoryPressure"].Status, c["MemoryPressure"].Reason));
        Assert.Equal(("True", "KubeletHasDiskPressure"), (c["DiskPressure"].Status, c["DiskPressure"].Reason));
    }

    [Fact]
    public void Conditions_Heartbeat_MovesHeartbeatKeepsTransitionUntilStatusChanges()
    {
        var first = NodeStatusBuilder.Conditions(new NodeHealth(), null, T0);
        var later = NodeStatusBuilder.Conditions(new NodeHealth(), first, T0.AddSeconds(10));
        var ready = later.Single(c => c.Type == "Ready");
        Assert.Equal(T0.AddSeconds(10), ready.LastHeartbeatTime);
        Assert.Equal(T0, ready.LastTransitionTime);
        var down = NodeStatusBuilder.Conditions(new NodeHealth { RuntimeReady = false }, later, T0.AddSeconds(20)).Single(c => c.Type == "Ready");
        Assert.Equal(T0.AddSeconds(20), down.LastTransitionTime);
    }

    [Fact]
    public void OsImage_ReadsPrettyName()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
            Assert.Equal("Debian GNU/Linux 12 (bookworm)", NodeFactsReader.OsImage(file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
