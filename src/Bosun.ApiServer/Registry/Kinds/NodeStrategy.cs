namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>Nodes: the agent registers its Node with a status, so a create keeps it.</summary>
internal sealed class NodeStrategy : IResourceStrategy
{
    public bool ResetsStatusOnCreate => false;
}
