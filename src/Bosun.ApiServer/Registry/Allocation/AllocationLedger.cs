using System.Net;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>What one Service request took from the ranges, so a failure or a dry run can give it back.</summary>
internal sealed class AllocationLedger(ClusterIpRange ips, NodePortRange ports, bool dryRun)
{
    private readonly List<IPAddress> takenIps = [];
    private readonly List<int> takenPorts = [];
    public bool DryRun => dryRun;

    public void Ip(IPAddress ip)
    {
        if (!dryRun) takenIps.Add(ip);
    }

    public void Port(int port)
    {
        if (!dryRun) takenPorts.Add(port);
    }

    public async Task RevertAsync()
    {
        foreach (var ip in takenIps) await BestEffort.Release(() => ips.ReleaseAsync(ip, CancellationToken.None));
        foreach (var port in takenPorts) await BestEffort.Release(() => ports.ReleaseAsync(port, CancellationToken.None));
        takenIps.Clear();
        takenPorts.Clear();
    }
}

/// <summary>Giving back must not fail a request whose write is done: a value the datastore could not take back stays marked until the repair loop frees it.</summary>
internal static class BestEffort
{
    public static async Task Release(Func<Task> release)
    {
        try
        {
            await release();
        }
        catch (StorageException)
        {
            // Leaked until ServiceRangeRepair sees no Service holding it.
        }
    }
}
