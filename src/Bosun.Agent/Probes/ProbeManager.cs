using Bosun.Agent.Pods;
using Bosun.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Probes;

/// <summary>
/// Keeps one <see cref="ProbeWorker"/> per probe of every running container, publishes the results as a
/// <see cref="ProbeSnapshot"/> per pod, records Unhealthy events, and asks for a pod sync when a result changes.
/// </summary>
internal sealed partial class ProbeManager(ProbeExecutor executor, TimeProvider time, EventRecorder? events, ILogger logger, Action<string> podChanged)
{
    private sealed class ContainerProbes(string podUid, CancellationTokenSource stop)
    {
        public string PodUid { get; } = podUid;
        public CancellationTokenSource Stop { get; } = stop;
        public Dictionary<ProbeKind, ProbeWorker> Workers { get; } = [];
        public List<Task> Tasks { get; } = [];
    }

    private readonly Lock gate = new();
    private readonly Dictionary<string, ContainerProbes> byContainer = [];

    /// <summary>Starts workers for running containers with probes; stops those of containers no longer running.</summary>
    public void Sync(V1Pod pod, PodRuntimeState observed, string host)
    {
        var uid = pod.Metadata.Uid;
        var running = observed.Running.ToDictionary(c => c.Id);
        lock (gate)
        {
            foreach (var (id, cp) in byContainer.Where(kv => kv.Value.PodUid == uid && !running.ContainsKey(kv.Key)).ToList())
            {
                cp.Stop.Cancel();
                byContainer.Remove(id);
            }
            foreach (var c in running.Values)
            {
                if (byContainer.ContainsKey(c.Id)) continue;
                var spec = pod.Spec.Containers?.FirstOrDefault(s => s.Name == c.Name);
                if (spec is null || (spec.LivenessProbe ?? spec.ReadinessProbe ?? spec.StartupProbe) is null) continue;
                var cp = new ContainerProbes(uid, new CancellationTokenSource());
                byContainer[c.Id] = cp;
                var target = new ProbeTarget(c.Id, host, spec);
                var started = c.StartedAt ?? time.GetUtcNow().UtcDateTime;
                Add(cp, pod, spec, c.Id, ProbeKind.Startup, spec.StartupProbe, target, started);
                Add(cp, pod, spec, c.Id, ProbeKind.Liveness, spec.LivenessProbe, target, started);
                Add(cp, pod, spec, c.Id, ProbeKind.Readiness, spec.ReadinessProbe, target, started);
            }
        }
    }

    private void Add(ContainerProbes cp, V1Pod pod, V1Container spec, string id, ProbeKind kind, V1Probe? probe, ProbeTarget target, DateTime started)
    {
        if (probe is null) return;
        bool MayRun() => kind == ProbeKind.Startup || !cp.Workers.TryGetValue(ProbeKind.Startup, out var s) || s.Counter.Result == true;
        var worker = new ProbeWorker(kind, probe, started, time, ct => executor.RunAsync(probe, target, ct), MayRun,
            (k, outcome, changed) => Report(pod, spec, k, outcome, changed, cp.PodUid));
        cp.Workers[kind] = worker;
        cp.Tasks.Add(RunWorkerAsync(worker, cp.Stop.Token));
    }

    private async Task RunWorkerAsync(ProbeWorker worker, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            await worker.RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Log.ProbeFailed(logger, e);
        }
    }

    private void Report(V1Pod pod, V1Container spec, ProbeKind kind, ProbeOutcome outcome, bool changed, string uid)
    {
        if (!outcome.Success)
            events?.Record(pod, EventRecorder.Warning, "Unhealthy", $"{kind} probe failed: {outcome.Output}".TrimEnd());
        if (changed) podChanged(uid);
    }

    /// <summary>The results the pod workers decide with.</summary>
    public ProbeSnapshot Snapshot(string uid)
    {
        var liveness = new Dictionary<string, string>();
        var startup = new Dictionary<string, string>();
        var ready = new HashSet<string>();
        var notStarted = new HashSet<string>();
        lock (gate)
        {
            foreach (var (id, cp) in byContainer)
            {
                if (cp.PodUid != uid) continue;
                if (cp.Workers.TryGetValue(ProbeKind.Liveness, out var l) && l.Counter.Result == false) liveness[id] = l.Counter.LastOutput;
                if (cp.Workers.TryGetValue(ProbeKind.Startup, out var s))
                {
                    if (s.Counter.Result == false) startup[id] = s.Counter.LastOutput;
                    if (s.Counter.Result != true) notStarted.Add(id);
                }
                if (cp.Workers.TryGetValue(ProbeKind.Readiness, out var r) && r.Counter.Result == true) ready.Add(id);
            }
        }
        return new ProbeSnapshot(liveness, startup, ready, notStarted);
    }

    public void Forget(string uid)
    {
        lock (gate)
        {
            foreach (var (id, cp) in byContainer.Where(kv => kv.Value.PodUid == uid).ToList())
            {
                cp.Stop.Cancel();
                byContainer.Remove(id);
            }
        }
    }

    public async Task StopAsync()
    {
        List<Task> tasks;
        lock (gate)
        {
            foreach (var cp in byContainer.Values) cp.Stop.Cancel();
            tasks = byContainer.Values.SelectMany(c => c.Tasks).ToList();
            byContainer.Clear();
        }
        await Task.WhenAll(tasks);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "A probe worker failed")]
        public static partial void ProbeFailed(ILogger logger, Exception e);
    }
}
