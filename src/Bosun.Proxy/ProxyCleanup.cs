using Bosun.Proxy.Iptables;
using Bosun.Proxy.Rules;

namespace Bosun.Proxy;

/// <summary>
/// Removes everything the proxy added and nothing else (<c>bosun agent --cleanup</c>): the jumps from the built-in
/// chains, then every chain of ours in filter and nat, found by name in <c>iptables-save</c>.
/// </summary>
internal static class ProxyCleanup
{
    public static async Task RunAsync(IIptables iptables, CancellationToken ct)
    {
        await JumpRules.RemoveAsync(iptables, ct);
        var chains = await ProxySyncer.OurChainsAsync(iptables, ct);
        var script = RestoreScript.Delete(chains);
        if (script.Length > 0) await iptables.RestoreAsync(script, ct);
    }
}
