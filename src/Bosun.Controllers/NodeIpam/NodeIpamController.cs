using System.Text.Json.Nodes;
using Bosun.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers.NodeIpam;

/// <summary>
/// Gives every Node a pod CIDR (<c>spec.podCIDR</c> and <c>spec.podCIDRs</c>) cut from the cluster CIDR, never the
/// same one twice (upstream's range allocator). The set of used subnets is rebuilt from the nodes in the cache before
/// the first allocation, so a restart never hands out a subnet some node already holds; a deleted node's subnet is
/// released and reused (lowest free first).
/// </summary>
internal sealed partial class NodeIpamController : IController
{
    private readonly ControllerContext context;
    private readonly Informer<V1Node> nodes;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ILogger logger;
    private readonly CidrSet cidrs;
    private readonly Lock gate = new();
    private bool rebuilt;

    public NodeIpamController(ControllerContext context, string clusterCidr = "10.244.0.0/16", int nodeMaskSize = 24)
    {
        this.context = context;
        nodes = context.Informers.For<V1Node>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        logger = context.Loggers.CreateLogger<NodeIpamController>();
        cidrs = new CidrSet(clusterCidr, nodeMaskSize);
    }

    public string Name => "nodeipam";

    internal CidrSet Cidrs => cidrs;

    public void Register(ControllerHost host)
    {
        nodes.On(
            added: n => queue.Add(ObjectKey.Of(n)),
            updated: (_, n) => queue.Add(ObjectKey.Of(n)),
            deleted: NodeDeleted);
        host.AddInformer(nodes).AddController(this, queue);
    }

    private void NodeDeleted(V1Node node)
    {
        lock (gate)
        {
            if (!rebuilt) return;   // the rebuild reads the cache, which no longer holds it
            foreach (var cidr in CidrsOf(node)) cidrs.Release(cidr);
        }
        Log.Released(logger, node.Metadata.Name, string.Join(",", CidrsOf(node)));
    }

    private static IEnumerable<string> CidrsOf(V1Node node) =>
        (node.Spec?.PodCIDRs ?? []).Append(node.Spec?.PodCIDR).Where(c => !string.IsNullOrEmpty(c)).Distinct()!;

    /// <summary>Marks every cached node's subnets used; runs once, on the first reconcile (after the caches synced).</summary>
    private void EnsureRebuilt()
    {
        lock (gate)
        {
            if (rebuilt) return;
            foreach (var node in nodes.List())
                foreach (var cidr in CidrsOf(node)) cidrs.Occupy(cidr);
            rebuilt = true;
        }
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        EnsureRebuilt();
        if (!nodes.TryGet(key, out var node) || node.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var existing = CidrsOf(node).ToList();
        if (existing.Count > 0)
        {
            lock (gate) foreach (var cidr in existing) cidrs.Occupy(cidr);   // set by someone else: keep it taken
            return ReconcileResult.Done;
        }

        string? allocated;
        lock (gate) allocated = cidrs.Allocate();
        if (allocated is null)
        {
            context.Events.Record(node, EventRecorder.Warning, "CIDRNotAvailable", "Node " + node.Metadata.Name + " status is now: CIDRNotAvailable");
            throw new InvalidOperationException($"no pod CIDR left for node {node.Metadata.Name}");
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = node.Metadata.ResourceVersion },
            ["spec"] = new JsonObject { ["podCIDR"] = allocated, ["podCIDRs"] = new JsonArray(allocated) },
        };
        try
        {
            await context.Api.PatchAsync<V1Node>(null, node.Metadata.Name, "application/merge-patch+json", patch.ToJsonString(), ct);
        }
        catch
        {
            lock (gate) cidrs.Release(allocated);   // not written (conflict, gone): the next reconcile starts over
            throw;
        }
        Log.Allocated(logger, node.Metadata.Name, allocated);
        return ReconcileResult.Done;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} gets pod CIDR {Cidr}")]
        public static partial void Allocated(ILogger logger, string node, string cidr);

        [LoggerMessage(Level = LogLevel.Information, Message = "Released pod CIDR {Cidr} of deleted node {Node}")]
        public static partial void Released(ILogger logger, string node, string cidr);
    }
}
