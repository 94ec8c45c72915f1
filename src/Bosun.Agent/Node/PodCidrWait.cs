using Bosun.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Node;

/// <summary>
/// Waits for the node IPAM controller to assign this Node's <c>spec.podCIDR</c>: an informer on the one Node
/// (<c>metadata.name=</c> field selector) is told of the assignment, so nothing polls. After <c>wait</c>, once the
/// informer has listed the Node (a CIDR it already has is always used), the agent falls back to a default (a lone agent).
/// </summary>
internal static partial class PodCidrWait
{
    public static async Task<string> WaitAsync(ApiClient api, string nodeName, TimeSpan wait, string fallback, TimeProvider time,
        ILogger logger, CancellationToken ct)
    {
        var assigned = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(V1Node node)
        {
            if (node.Spec?.PodCIDR is { Length: > 0 } cidr) assigned.TrySetResult(cidr);
        }
        var informer = new Informer<V1Node>(api, logger, time, query: new ListQuery(FieldSelector: "metadata.name=" + nodeName))
            .On(added: Check, updated: (_, n) => Check(n));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var deadline = Task.Delay(wait, time, stop.Token);
        var run = informer.RunAsync(stop.Token);
        try
        {
            var listedAndLate = Task.WhenAll(informer.WaitForSyncAsync(stop.Token), deadline);
            await Task.WhenAny(assigned.Task, listedAndLate).WaitAsync(ct);
            if (assigned.Task.IsCompleted) return await assigned.Task;
            Log.DefaultPodCidr(logger, fallback);
            return fallback;
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "No podCIDR assigned to this node in time; using {Cidr}")]
        public static partial void DefaultPodCidr(ILogger logger, string cidr);
    }
}
