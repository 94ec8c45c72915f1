using Bosun.Client;
using Bosun.Proxy.Iptables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Proxy;

/// <summary>
/// The node's service proxy (kube-proxy, iptables mode): watches Services and EndpointSlices and keeps the node's
/// iptables rules matching them. What the agent composition calls.
/// </summary>
public static class ServiceProxy
{
    /// <summary>Runs until <paramref name="ct"/> is cancelled; the rules stay in place afterwards (cleanup removes them).</summary>
    public static Task RunAsync(ApiClient api, ProxyOptions options, CancellationToken ct, ILoggerFactory? loggers = null, TimeProvider? time = null) =>
        new ProxyRunner(api, options, new IptablesExecutor(options.NetworkNamespace), loggers ?? NullLoggerFactory.Instance, time ?? TimeProvider.System).RunAsync(ct);

    /// <summary>Removes every rule and chain the proxy added, in the given network namespace (null: the current one).</summary>
    public static Task CleanupAsync(string? networkNamespace = null, CancellationToken ct = default) =>
        ProxyCleanup.RunAsync(new IptablesExecutor(networkNamespace), ct);
}
