using System.Text.Json;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests.Containers;

/// <summary>
/// A killed agent does not take its pods with it: after SIGKILL of the server (and so its built-in agent) the
/// containers keep running, and the restarted agent adopts them without restarting any. Its own cluster, since it
/// kills the server.
/// </summary>
[Trait("Category", "Containers")]
[Collection(SerialAgentClusterCollection.Name)]
public sealed class AgentRestartTests : IAsyncLifetime
{
    private readonly AgentCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    private static Dictionary<string, string> ContainerIds(JsonElement pods) =>
        pods.GetProperty("items").EnumerateArray().ToDictionary(
            p => p.GetProperty("metadata").GetProperty("name").GetString()!,
            p => AgentCluster.ContainerStatus(p, "myapp").GetProperty("containerID").GetString()!);

    [Fact]
    public async Task KilledAgent_Restarted_AdoptsRunningPodsWithoutRestartingContainers()
    {
        var ns = await _cluster.CreateNamespaceAsync("adopt");
        (await _cluster.Kubectl.RunAsync("create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=2", "-n", ns)).Ok();
        (await _cluster.Kubectl.RunAsync(["rollout", "status", "deployment/myapp", "-n", ns, "--timeout=120s"], null, TimeSpan.FromSeconds(130))).Ok();
        var before = ContainerIds((await _cluster.Kubectl.RunAsync("get", "pods", "-n", ns, "-o", "json")).Ok().Json);
        var ips = (await _cluster.Kubectl.RunAsync("get", "pods", "-n", ns, "-o", "jsonpath={.items[*].status.podIP}")).Ok().Stdout.Split(' ');

        await _cluster.Server.KillAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var ip in ips) Assert.Contains("Version: v1", await http.GetStringAsync($"http://{ip}/"));   // still serving, agent gone
        await _cluster.StartServerAsync();

        // Give the restarted agent time to sync every pod, then check nothing was restarted or replaced.
        await Poll.UntilAsync(async () =>
        {
            var node = await _cluster.Kubectl.RunAsync("get", "node", _cluster.NodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].lastHeartbeatTime}");
            return node.ExitCode == 0 && DateTime.TryParse(node.Stdout, out var beat) && beat.ToUniversalTime() > DateTime.UtcNow.AddSeconds(-5);
        }, TimeSpan.FromSeconds(60), "a fresh node heartbeat from the restarted agent");
        await Task.Delay(TimeSpan.FromSeconds(5));
        var after = (await _cluster.Kubectl.RunAsync("get", "pods", "-n", ns, "-o", "json")).Ok().Json;
        Assert.Equal(before, ContainerIds(after));
        foreach (var pod in after.GetProperty("items").EnumerateArray())
        {
            Assert.Equal(0, AgentCluster.RestartCount(pod, "myapp"));
            Assert.Equal("True", AgentCluster.Condition(pod, "Ready"));
        }
    }
}
