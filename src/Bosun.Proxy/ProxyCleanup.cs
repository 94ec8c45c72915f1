using Bosun.Proxy.Iptables;
using Bosun.Proxy.Rules;

namespace Bosun.Proxy;

/// <summary>
/// Removes everything the proxy added and nothing else (<c>bosun agent --cleanup</c>): the jumps from the built-in
/// chains, then every chain of ours, all found in one <c>iptables-save</c> and removed in one iptables-restore.
/// </summary>
internal static class ProxyCleanup
{
    public static async Task RunAsync(IIptables iptables, CancellationToken ct)
    {
        var saved = SavedTables.Parse(await iptables.SaveAsync(ct));
        var script = RestoreScript.Delete(saved.OurChains, saved.Jumps.ToDictionary(kv => kv.Key, kv => JumpRules.Deletions(kv.Value)));
        if (script.Length > 0) await iptables.RestoreAsync(script, ct);
    }
}
