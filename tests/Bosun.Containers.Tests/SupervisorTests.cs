using Bosun.Agent;
using Bosun.Agent.Runtime;
using Bosun.Cri.V1;
using Bosun.Testing.Containers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Containers.Tests;

[Collection(ContainerdCollection.Name)]
[Trait("Category", "Containers")]
public sealed class SupervisorTests(SharedContainerd shared)
{
    private readonly ContainerdFixture _containerd = shared.Containerd;

    [Fact]
    public async Task StartAsync_AfterAgentRestart_AdoptsTheRunningContainerdAndItsPods()
    {
        var (podId, ids) = await Pods.RunAsync(_containerd.Cri, Pods.Sandbox(_containerd, "survivor"), Pods.Container("sleeper", TestImages.Busybox, "sleep", "3600"));
        try
        {
            // A new supervisor over the same data dir is what a restarted agent builds.
            var again = new ContainerdSupervisor(new ContainerdOptions { Paths = new AgentPaths(_containerd.DataDir), SkipDependencyCheck = true }, NullLogger.Instance);

            var endpoint = await again.StartAsync(CancellationToken.None);

            Assert.True(endpoint.Adopted);
            Assert.Equal(_containerd.Pid, endpoint.Pid);
            var status = await _containerd.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = ids[0] });
            Assert.Equal(ContainerState.ContainerRunning, status.Status.State);
        }
        finally
        {
            await Pods.RemoveAsync(_containerd.Cri, podId);
        }
    }

    [Fact]
    public async Task StartAsync_WithRuntimeEndpoint_UsesItAndStartsNothing()
    {
        var dir = Directory.CreateTempSubdirectory("bosun-ext-");
        try
        {
            var supervisor = new ContainerdSupervisor(new ContainerdOptions { Paths = new AgentPaths(dir.FullName), RuntimeEndpoint = "unix://" + _containerd.Socket }, NullLogger.Instance);

            var endpoint = await supervisor.StartAsync(CancellationToken.None);

            Assert.Null(endpoint.Pid);
            Assert.Equal("unix://" + _containerd.Socket, endpoint.Socket);
            Assert.StartsWith("1.", endpoint.RuntimeVersion);
            Assert.False(Directory.Exists(Path.Combine(dir.FullName, "agent", "containerd")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_RuntimeEndpointWithNothingListening_FailsWithTheReason()
    {
        var dir = Directory.CreateTempSubdirectory("bosun-none-");
        try
        {
            var supervisor = new ContainerdSupervisor(new ContainerdOptions
            {
                Paths = new AgentPaths(dir.FullName),
                RuntimeEndpoint = Path.Combine(dir.FullName, "missing.sock"),
                ReadyTimeout = TimeSpan.FromSeconds(1),
            }, NullLogger.Instance);

            var e = await Assert.ThrowsAsync<ContainerdException>(() => supervisor.StartAsync(CancellationToken.None));

            Assert.Contains("missing.sock not ready after 1 s", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
