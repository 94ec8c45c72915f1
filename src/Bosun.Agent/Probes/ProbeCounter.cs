namespace Bosun.Agent.Probes;

/// <summary>
/// successThreshold/failureThreshold bookkeeping of one probe (kubelet's prober worker): the result flips to
/// success after that many consecutive successes, to failure after that many consecutive failures. Pure.
/// </summary>
internal sealed class ProbeCounter(int successThreshold, int failureThreshold, bool? initial)
{
    private int successes;
    private int failures;

    /// <summary>Null until decided (startup); readiness starts false, liveness true.</summary>
    public bool? Result { get; private set; } = initial;

    public string LastOutput { get; private set; } = "";

    /// <summary>Records one run; true when <see cref="Result"/> changed.</summary>
    public bool Observe(bool success, string output)
    {
        LastOutput = output;
        if (success) { successes++; failures = 0; }
        else { failures++; successes = 0; }
        var next = Result;
        if (success && successes >= Math.Max(1, successThreshold)) next = true;
        else if (!success && failures >= Math.Max(1, failureThreshold)) next = false;
        if (next == Result) return false;
        Result = next;
        return true;
    }

    public static ProbeCounter For(ProbeKind kind, k8s.Models.V1Probe probe) => new(
        kind == ProbeKind.Readiness ? probe.SuccessThreshold ?? 1 : 1,
        probe.FailureThreshold ?? 3,
        kind switch { ProbeKind.Liveness => true, ProbeKind.Readiness => false, _ => null });
}
