using Bosun.Agent.Node;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Agent.Tests.Node;

/// <summary>The agent's wait for its podCIDR, against a real API server on loopback and a manual clock.</summary>
public sealed class PodCidrWaitTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider time = new();
    private TestCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    private Task<V1Node> CreateNodeAsync(string name, string? cidr = null) =>
        cluster.Api.CreateAsync<V1Node>(null, new V1Node { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1NodeSpec { PodCIDR = cidr } }, CancellationToken.None);

    private Task<string> StartWait(string node, TimeSpan wait) =>
        PodCidrWait.WaitAsync(cluster.Api, node, wait, "10.88.0.0/16", time, NullLogger.Instance, CancellationToken.None);

    [Fact]
    public async Task WaitAsync_CidrAssignedLater_ReturnsItFromTheWatch_WithoutTheClockMoving()
    {
        await CreateNodeAsync("n1");
        await CreateNodeAsync("n2");
        var waiting = StartWait("n1", Wait);

        // Another node's assignment is not ours; then ours arrives. The manual clock never moves, so a poll could not run.
        await cluster.Api.PatchAsync<V1Node>(null, "n2", "application/merge-patch+json", """{"spec":{"podCIDR":"10.42.2.0/24"}}""", CancellationToken.None);
        await cluster.Api.PatchAsync<V1Node>(null, "n1", "application/merge-patch+json", """{"spec":{"podCIDR":"10.42.1.0/24"}}""", CancellationToken.None);

        Assert.Equal("10.42.1.0/24", await waiting.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task WaitAsync_NothingAssignedByTheDeadline_ReturnsTheDefault()
    {
        await CreateNodeAsync("n1");
        var waiting = StartWait("n1", Wait);

        time.Advance(Wait);

        Assert.Equal("10.88.0.0/16", await waiting.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task WaitAsync_NoWaitButCidrAlreadyAssigned_ReturnsTheAssignedCidr()
    {
        await CreateNodeAsync("n1", "10.42.7.0/24");

        Assert.Equal("10.42.7.0/24", await StartWait("n1", TimeSpan.Zero).WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task WaitAsync_Cancelled_Throws()
    {
        await CreateNodeAsync("n1");
        using var cts = new CancellationTokenSource();
        var waiting = PodCidrWait.WaitAsync(cluster.Api, "n1", Wait, "10.88.0.0/16", time, NullLogger.Instance, cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
