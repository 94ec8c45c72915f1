using System.Net;

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

    public void Revert()
    {
        takenIps.ForEach(ips.Release);
        takenPorts.ForEach(ports.Release);
        takenIps.Clear();
        takenPorts.Clear();
    }
}
