using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>
/// Lease-based leader election (client-go's leaderelection on <c>coordination.k8s.io</c> Leases): acquire the Lease
/// when it is free or expired, renew it every <see cref="RetryPeriod"/>, and stop leading when a renewal has not
/// succeeded within <see cref="RenewDeadline"/>. The work runs only while leading, with a token cancelled on loss.
/// </summary>
public sealed partial class LeaderElector(ApiClient api, string ns, string name, string identity, ILogger logger, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>An elector whose renew deadline and retry period keep upstream's ratios (15 s / 10 s / 2 s) to <paramref name="leaseDuration"/>.</summary>
    public static LeaderElector WithLeaseDuration(ApiClient api, string ns, string name, string identity, ILogger logger, TimeProvider? time, TimeSpan leaseDuration) =>
        new(api, ns, name, identity, logger, time)
        {
            LeaseDuration = leaseDuration,
            RenewDeadline = leaseDuration * 2 / 3,
            RetryPeriod = leaseDuration * 2 / 15,
        };

    /// <summary>Campaigns until <paramref name="ct"/> ends; runs <paramref name="lead"/> each time leadership is won.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (!await TryAcquireOrRenewAsync(ct))
            {
                await Task.Delay(RetryPeriod, clock, ct);
                continue;
            }
            Log.BecameLeader(logger, name, identity);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var work = Task.Run(() => lead(leading.Token), CancellationToken.None);
            await RenewUntilLostAsync(leading, ct);
            await leading.CancelAsync();
            try { await work; }
            catch (OperationCanceledException) { }
            Log.LostLeadership(logger, name, identity);
        }
    }

    private async Task RenewUntilLostAsync(CancellationTokenSource leading, CancellationToken ct)
    {
        var lastRenew = clock.GetUtcNow();
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(RetryPeriod, clock, ct); }
            catch (OperationCanceledException) { return; }
            if (await TryAcquireOrRenewAsync(ct)) lastRenew = clock.GetUtcNow();
            else if (clock.GetUtcNow() - lastRenew > RenewDeadline) return;
        }
    }

    /// <summary>One attempt: create the Lease, take over an expired one, or renew our own.</summary>
    public async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        try
        {
            var lease = await api.TryGetAsync<V1Lease>(ns, name, ct);
            if (lease is null)
            {
                await api.CreateAsync(ns, NewLease(now), ct);
                return true;
            }
            var spec = lease.Spec ??= new V1LeaseSpec();
            var holder = spec.HolderIdentity;
            var expires = (spec.RenewTime ?? DateTime.MinValue).AddSeconds(spec.LeaseDurationSeconds ?? 0);
            if (holder != identity && !string.IsNullOrEmpty(holder) && expires > now) return false;
            if (holder != identity)
            {
                spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
                spec.AcquireTime = now;
            }
            spec.HolderIdentity = identity;
            spec.LeaseDurationSeconds = (int)LeaseDuration.TotalSeconds;
            spec.RenewTime = now;
            await api.UpdateAsync(ns, name, lease, ct);   // carries the resourceVersion: a race loses with 409
            return true;
        }
        catch (ApiException e) when (e.IsConflict || e.IsAlreadyExists)
        {
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or ApiException)
        {
            Log.RenewFailed(logger, name, e.Message);
            return false;
        }
    }

    private V1Lease NewLease(DateTime now) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = identity,
            LeaseDurationSeconds = (int)LeaseDuration.TotalSeconds,
            AcquireTime = now,
            RenewTime = now,
            LeaseTransitions = 0,
        },
    };

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} became leader of {Lease}")]
        public static partial void BecameLeader(ILogger logger, string lease, string identity);

        [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} lost leadership of {Lease}")]
        public static partial void LostLeadership(ILogger logger, string lease, string identity);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Renewing lease {Lease} failed: {Reason}")]
        public static partial void RenewFailed(ILogger logger, string lease, string reason);
    }
}
