using System.CommandLine;
using Bosun.Client;
using Bosun.SimulatedNodes;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>
/// <c>bosun simulate-nodes</c>: registers simulated nodes against a cluster and plays their node agents until
/// interrupted (see docs/simulated-nodes.md).
/// </summary>
internal static class SimulateNodesCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Kubeconfig of the cluster to join", Required = true };
        var count = new Option<int>("--count") { Description = "How many nodes", DefaultValueFactory = _ => 1 };
        var cpu = new Option<string>("--cpu") { Description = "CPU capacity of each node", DefaultValueFactory = _ => "4" };
        var memory = new Option<string>("--memory") { Description = "Memory capacity of each node", DefaultValueFactory = _ => "16Gi" };
        var pods = new Option<int>("--pods") { Description = "Pod capacity of each node", DefaultValueFactory = _ => 110 };
        var prefix = new Option<string>("--name-prefix") { Description = "Node names are <prefix><index>", DefaultValueFactory = _ => "sim-" };
        var heartbeat = new Option<int>("--heartbeat-seconds") { Description = "How often each node renews its Lease (kubelet: 10)", DefaultValueFactory = _ => 10 };

        var command = new Command("simulate-nodes", "Register simulated nodes (no containers run) and keep them alive.")
        {
            kubeconfig, count, cpu, memory, pods, prefix, heartbeat,
        };
        command.SetAction(async (result, ct) =>
        {
            var options = new SimulatedNodesOptions
            {
                Count = result.GetValue(count),
                Cpu = result.GetValue(cpu)!,
                Memory = result.GetValue(memory)!,
                Pods = result.GetValue(pods),
                NamePrefix = result.GetValue(prefix)!,
                LeaseRenewInterval = TimeSpan.FromSeconds(result.GetValue(heartbeat)),
            };
            if (options.Count < 1)
            {
                await Console.Error.WriteLineAsync("bosun simulate-nodes: --count must be at least 1");
                return 2;
            }
            if (options.LeaseRenewInterval < TimeSpan.FromSeconds(1))
            {
                await Console.Error.WriteLineAsync("bosun simulate-nodes: --heartbeat-seconds must be at least 1");
                return 2;
            }
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            using var api = ApiClient.FromKubeconfig(result.GetValue(kubeconfig)!, "bosun-simulate-nodes");
            // Like an agent, move to another live API server when this one dies.
            var serversLog = loggers.CreateLogger("bosun.simulate-nodes.servers");
            if (api.Failover is { } moving) moving.Moved += (from, to) => serversLog.LogWarning("API server {From} unreachable, moving to {To}", from, to);
            var servers = api.Failover is { } failover
                ? Task.Run(() => ApiServerEndpoints.FollowAsync(api, failover, serversLog, TimeProvider.System, ct), CancellationToken.None)
                : Task.CompletedTask;
            await new SimulatedNodes.SimulatedNodes(api, options, loggers).RunAsync(ct);
            await servers;
            return 0;
        });
        return command;
    }
}
