using System.Collections.Concurrent;
using System.Diagnostics;
using Bosun.Client;
using k8s.Models;
using KubeApi = Bosun.Client.ApiClient;

namespace Bosun.Bench;

/// <summary>
/// One watch on the benchmark's pods, timestamping (on one <see cref="Stopwatch"/>) the first event in which each pod
/// is bound to a node and the first in which it is Ready, so a pod's start splits into scheduling and the agent's part
/// without polling (which would add up to its interval to every figure).
/// </summary>
internal sealed class PodTimeline : IAsyncDisposable
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<TimeSpan>> bound = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<TimeSpan>> ready = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> gone = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    private PodTimeline(KubeApi api, string ns, string selector, string resourceVersion) =>
        loop = Task.Run(() => WatchAsync(api, ns, selector, resourceVersion));

    public TimeSpan Now => clock.Elapsed;

    public static async Task<PodTimeline> StartAsync(KubeApi api, string ns, string selector)
    {
        var list = await api.ListAsync<V1PodList>(typeof(V1Pod), ns, new ListQuery(selector), CancellationToken.None);
        return new PodTimeline(api, ns, selector, list.Metadata.ResourceVersion);
    }

    public Task<TimeSpan> BoundAsync(string name) => Slot(bound, name).Task;

    public Task<TimeSpan> ReadyAsync(string name) => Slot(ready, name).Task;

    public Task GoneAsync(string name) => gone.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private static TaskCompletionSource<TimeSpan> Slot(ConcurrentDictionary<string, TaskCompletionSource<TimeSpan>> slots, string name) =>
        slots.GetOrAdd(name, _ => new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task WatchAsync(KubeApi api, string ns, string selector, string resourceVersion)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in api.WatchAsync<V1Pod>(ns, resourceVersion, new ListQuery(selector), stop.Token))
                {
                    resourceVersion = e.ResourceVersion.Length > 0 ? e.ResourceVersion : resourceVersion;
                    if (e.Type == WatchEventType.Bookmark) continue;
                    Observe(e.Type, e.Object);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (Exception e) when (e is HttpRequestException or IOException or ApiException)
            {
                Console.WriteLine($"  pod watch broke ({e.Message}); resuming from {resourceVersion}");
                await Task.Delay(100);
            }
        }
    }

    private void Observe(WatchEventType type, V1Pod pod)
    {
        var name = pod.Metadata.Name;
        var at = clock.Elapsed;
        if (type == WatchEventType.Deleted)
        {
            gone.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return;
        }
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName)) Slot(bound, name).TrySetResult(at);
        if (pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true) Slot(ready, name).TrySetResult(at);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
