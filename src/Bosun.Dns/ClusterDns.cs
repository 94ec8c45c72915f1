using Bosun.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Dns;

/// <summary>
/// The cluster DNS (CoreDNS with the kubernetes and forward plugins, in process): serves the cluster domain from
/// Services, EndpointSlices and Pods, forwards everything else to the host's resolvers. What the agent composition calls.
/// </summary>
public static class ClusterDns
{
    /// <summary>Serves until <paramref name="ct"/> is cancelled. Starts answering once the caches are synced.</summary>
    public static Task RunAsync(ApiClient api, DnsOptions options, CancellationToken ct, ILoggerFactory? loggers = null, TimeProvider? time = null) =>
        new DnsRunner(api, options, loggers ?? NullLoggerFactory.Instance, time ?? TimeProvider.System).RunAsync(ct);
}
