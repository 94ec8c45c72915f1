using k8s.Models;

namespace Bosun.Agent.Probes;

/// <summary>
/// Runs one probe of one container on its period, on the <see cref="TimeProvider"/>: waits initialDelaySeconds
/// from the container's start, then probes every periodSeconds and reports result changes. Liveness and startup
/// failures stop the worker; every run is reported (failures become Unhealthy events), (the container is restarted and gets a new one); a startup success stops it too.
/// </summary>
internal sealed class ProbeWorker(ProbeKind kind, V1Probe probe, DateTime containerStarted, TimeProvider time,
    Func<CancellationToken, Task<ProbeOutcome>> run, Func<bool> mayRun, Action<ProbeKind, ProbeOutcome, bool> report)
{
    public ProbeCounter Counter { get; } = ProbeCounter.For(kind, probe);

    public async Task RunAsync(CancellationToken ct)
    {
        var period = TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
        var firstAt = containerStarted + TimeSpan.FromSeconds(Math.Max(0, probe.InitialDelaySeconds ?? 0));
        var wait = firstAt - time.GetUtcNow().UtcDateTime;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
        while (!ct.IsCancellationRequested)
        {
            if (mayRun())
            {
                var outcome = await run(ct);
                report(kind, outcome, Counter.Observe(outcome.Success, outcome.Output));
                if (kind == ProbeKind.Startup && Counter.Result is not null) return;
                if (kind == ProbeKind.Liveness && Counter.Result == false) return;
            }
            await Task.Delay(period, time, ct);
        }
    }
}
