using Bosun.Agent;
using Bosun.Agent.Volumes;
using Bosun.Testing;
using Bosun.Testing.Containers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>
/// A private containerd and an in-process API server shared by the agent's pod tests. Each test runs its own agent
/// (a unique node name) and removes its pods; the containerd teardown checks that nothing of ours is left.
/// </summary>
public sealed class AgentCluster : IAsyncLifetime
{
    public ContainerdFixture Containerd { get; private set; } = null!;
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Containerd = await ContainerdFixture.StartAsync();
        Cluster = await TestCluster.StartAsync();
        await ServiceAccountBasics.EnsureAsync(Cluster, "default");
    }

    /// <summary>Options of an agent on the shared containerd, with short back-offs and a unique cgroup root the fixture removes.</summary>
    internal AgentOptions Options(string node) => new()
    {
        NodeName = node,
        DataDir = Containerd.DataDir,
        RuntimeEndpoint = Containerd.Socket,
        NodeIp = "127.0.0.1",
        CgroupRoot = $"/bosun-test-{Containerd.Id}",
        DefaultPodCidr = $"{Containerd.Subnet.BaseAddress}/{Containerd.Subnet.PrefixLength}",
        PodCidrWait = TimeSpan.Zero,
        RestartBackoffInitial = TimeSpan.FromSeconds(2),
        ClusterDns = "10.96.0.10",
    };

    /// <summary>An agent with the real volume manager (every pod has the projected service-account volume).</summary>
    internal Task<AgentHost> StartAgentAsync(string node, Func<AgentOptions, AgentOptions>? configure = null)
    {
        var objects = new ApiVolumeObjects(Cluster.Api);
        var volumes = new VolumeManager(new AgentPaths(Containerd.DataDir), objects, objects, TimeProvider.System, NullLogger<VolumeManager>.Instance);
        var options = configure is null ? Options(node) : configure(Options(node));
        return AgentHost.StartAsync(options, Cluster.Api, volumes, NullLoggerFactory.Instance, TimeProvider.System, null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Containerd.DisposeAsync();
        Assert.Empty(Containerd.Leftovers);
    }
}

[CollectionDefinition(Name)]
public sealed class AgentCollection : ICollectionFixture<AgentCluster>
{
    public const string Name = "agent-pods";
}
