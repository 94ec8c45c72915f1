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
        string script;
        if (wasFull)
        {
            // One save tells which of our chains are left from before and which jumps are already in place.
            var saved = SavedTables.Parse(await iptables.SaveAsync(ct));
            var jumps = saved.Jumps.ToDictionary(kv => kv.Key, kv => JumpRules.Missing(kv.Key, kv.Value));
            script = RestoreScript.Full(desired, saved.OurChains, jumps);
        }
        else script = RestoreScript.Diff(written!, desired);
        try
        {
            if (script.Length > 0) await iptables.RestoreAsync(script, ct);
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

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Proxy {Kind} sync: {Ports} service ports, {Rules} rules, {Bytes} bytes restored in {Ms:F1} ms")]
        public static partial void Synced(ILogger logger, string kind, int ports, int rules, int bytes, double ms);
    }
}

/// <summary>What one sync did, for logs, tests and benchmarks.</summary>
public sealed record SyncStats(bool Full, int ServicePorts, int Rules, int RestoreBytes, TimeSpan Elapsed);
