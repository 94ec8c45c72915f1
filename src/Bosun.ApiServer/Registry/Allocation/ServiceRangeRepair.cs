using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>
/// kube-apiserver's cluster IP and node port repair controllers: compares the shared bitmaps with the Services that
/// exist, marks what a Service holds but the bitmap lacks, and frees what no Service holds once that was seen on
/// <see cref="LeakRuns"/> runs in a row (a value is briefly "leaked" between its allocation and its Service's write,
/// and between a delete and the release that follows it). Run by one server at a time.
/// </summary>
internal sealed class ServiceRangeRepair(ServiceAllocator allocator, Func<CancellationToken, Task<IReadOnlyList<JsonObject>>> listServices, ILogger log)
{
    /// <summary>Upstream's numRepairsBeforeLeakCleanup.</summary>
    public const int LeakRuns = 3;

    private IReadOnlyDictionary<int, int> ipLeaks = new Dictionary<int, int>();
    private IReadOnlyDictionary<int, int> portLeaks = new Dictionary<int, int>();

    /// <summary>One pass; returns how many values were marked and how many freed.</summary>
    public async Task<(int Marked, int Freed)> RunOnceAsync(CancellationToken ct)
    {
        var services = await listServices(ct);
        var (ips, ports) = allocator.Offsets(services);
        var (ipMarked, ipFreed, nextIpLeaks) = await RepairAsync(allocator.Ips.Bitmap, ips, ipLeaks, ct);
        var (portMarked, portFreed, nextPortLeaks) = await RepairAsync(allocator.NodePorts.Bitmap, ports, portLeaks, ct);
        ipLeaks = nextIpLeaks;
        portLeaks = nextPortLeaks;
        if (ipMarked + ipFreed + portMarked + portFreed > 0)
            log.LogInformation("service range repair: marked {IpsMarked} cluster IPs and {PortsMarked} node ports in use, freed {IpsFreed} and {PortsFreed} leaked",
                ipMarked, portMarked, ipFreed, portFreed);
        return (ipMarked + portMarked, ipFreed + portFreed);
    }

    public async Task RunAsync(TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "service range repair failed; retrying in {Interval}", interval);
            }
            await Task.Delay(interval, time, ct);
        }
    }

    /// <summary>
    /// One bitmap. The change re-runs when another server wrote first, so it derives the new leak counts from the
    /// previous run's and only adopts them once stored.
    /// </summary>
    private static async Task<(int Marked, int Freed, IReadOnlyDictionary<int, int> Leaks)> RepairAsync(
        RangeBitmap bitmap, HashSet<int> used, IReadOnlyDictionary<int, int> previous, CancellationToken ct)
    {
        return await bitmap.ChangeAsync(b =>
        {
            var marked = used.Count(o => b.TryTake(o));
            var freed = 0;
            var leaks = new Dictionary<int, int>();
            foreach (var offset in b.Taken().Where(o => !used.Contains(o)))
            {
                var seen = previous.GetValueOrDefault(offset) + 1;
                if (seen < LeakRuns) leaks[offset] = seen;
                else
                {
                    b.Release(offset);
                    freed++;
                }
            }
            return ((marked, freed, (IReadOnlyDictionary<int, int>)leaks), marked + freed > 0);
        }, refresh: true, ct);
    }
}
