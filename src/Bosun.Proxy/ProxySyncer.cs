using System.Diagnostics;
using Bosun.Proxy.Iptables;
using Bosun.Proxy.Rules;
using Microsoft.Extensions.Logging;

namespace Bosun.Proxy;

/// <summary>
/// Brings the kernel's rules to a desired state with one <c>iptables-restore --noflush</c>: a full write (every chain,
/// plus deletion of our chains left from before) on the first sync, after a failure and when asked; otherwise only
/// the chains that changed since the last successful write. Not thread-safe: one sync loop owns it.
/// </summary>
internal sealed partial class ProxySyncer(IIptables iptables, NodeInfo node, ILogger logger)
{
    private Ruleset? written;

    /// <summary>The rules in the kernel as of the last successful sync; null before the first one or after a failure.</summary>
    public Ruleset? Written => written;

    public async Task<SyncStats> SyncAsync(IReadOnlyList<ServicePortInfo> ports, bool full, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var desired = RuleBuilder.Build(ports, node);
        var wasFull = full || written is null;
        var script = wasFull
            ? RestoreScript.Full(desired, await OurChainsAsync(iptables, ct))
            : RestoreScript.Diff(written!, desired);
        try
        {
            if (script.Length > 0) await iptables.RestoreAsync(script, ct);
            // After the chains exist: a jump to a missing chain is refused.
            if (wasFull) await JumpRules.EnsureAsync(iptables, ct);
        }
        catch
        {
            written = null;   // unknown state: the next sync rewrites everything
            throw;
        }
        written = desired;
        var stats = new SyncStats(wasFull, ports.Count, desired.RuleCount, script.Length, watch.Elapsed);
        Log.Synced(logger, wasFull ? "full" : "partial", ports.Count, desired.RuleCount, script.Length, watch.Elapsed.TotalMilliseconds);
        return stats;
    }

    /// <summary>Our chains (by name) in the filter and nat tables, as the kernel has them now.</summary>
    public static async Task<Dictionary<string, IReadOnlySet<string>>> OurChainsAsync(IIptables iptables, CancellationToken ct)
    {
        var result = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var table in (string[])["filter", "nat"])
            result[table] = ParseChains(await iptables.SaveAsync(table, ct)).Where(ChainNames.IsOurs).ToHashSet(StringComparer.Ordinal);
        return result;
    }

    /// <summary>Chain names declared in iptables-save output (<c>:NAME POLICY [p:b]</c> lines).</summary>
    public static IEnumerable<string> ParseChains(string save) =>
        save.Split('\n').Where(l => l.StartsWith(':')).Select(l => l[1..].Split(' ')[0]);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Proxy {Kind} sync: {Ports} service ports, {Rules} rules, {Bytes} bytes restored in {Ms:F1} ms")]
        public static partial void Synced(ILogger logger, string kind, int ports, int rules, int bytes, double ms);
    }
}

/// <summary>What one sync did, for logs, tests and benchmarks.</summary>
public sealed record SyncStats(bool Full, int ServicePorts, int Rules, int RestoreBytes, TimeSpan Elapsed);
