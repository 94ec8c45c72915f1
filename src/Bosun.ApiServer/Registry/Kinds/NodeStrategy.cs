using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry.Defaulting;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>Nodes: the agent registers its Node with a status, so a create keeps it; allocatable defaults to capacity.</summary>
internal sealed class NodeStrategy : IResourceStrategy
{
    public bool ResetsStatusOnCreate => false;

    public void Default(JsonObject obj) => ClusterDefaults.Node(obj);
}
