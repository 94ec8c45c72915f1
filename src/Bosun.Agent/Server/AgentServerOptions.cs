using System.Net;

namespace Bosun.Agent.Server;

/// <summary>How the agent's own HTTPS server (the kubelet port) is set up.</summary>
internal sealed record AgentServerOptions
{
    /// <summary>The kubelet's port; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = 10250;

    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>PEM of the cluster CA: only client certificates it signed (the API server's) are let in.</summary>
    public required string ClientCaPem { get; init; }

    /// <summary>Addresses and names the self-signed serving certificate covers, besides loopback.</summary>
    public IReadOnlyList<string> ServingNames { get; init; } = [];
}
