using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>
/// What must change so that the runtime matches a pod (kubelet's <c>computePodActions</c>). <see cref="Compute"/> is
/// pure: it reads the pod, the runtime state, the probe results and the back-off table, and decides; the applier does.
/// </summary>
internal sealed record PodActions
{
    /// <summary>Stop every container and the sandbox (pod finished, sandbox gone bad, or pod being deleted).</summary>
    public bool KillPod { get; init; }
    public bool CreateSandbox { get; init; }
    public uint SandboxAttempt { get; init; }
    /// <summary>The pod has a deletionTimestamp: once nothing runs, remove it from the API and clean up.</summary>
    public bool Deleting { get; init; }
    /// <summary>Grace for <see cref="KillPod"/>.</summary>
    public long GracePeriodSeconds { get; init; }
    public IReadOnlyList<ContainerStart> ContainersToStart { get; init; } = [];
    public IReadOnlyList<ContainerKill> ContainersToKill { get; init; } = [];
    /// <summary>Containers held back, by name (CrashLoopBackOff).</summary>
    public IReadOnlyDictionary<string, ContainerWaiting> Waiting { get; init; } = new Dictionary<string, ContainerWaiting>();
    /// <summary>When to look at the pod again without any event (a back-off expiring).</summary>
    public TimeSpan? RequeueAfter { get; init; }

    public bool IsEmpty => !KillPod && !CreateSandbox && ContainersToStart.Count == 0 && ContainersToKill.Count == 0;

    public const long DefaultGracePeriodSeconds = 30;

    public static PodActions Compute(V1Pod pod, PodRuntimeState observed, ProbeSnapshot probes, DateTime now, RestartBackoff backoff)
    {
        var spec = pod.Spec;
        var grace = spec.TerminationGracePeriodSeconds ?? DefaultGracePeriodSeconds;
        if (pod.Metadata.DeletionTimestamp is not null)
            return new PodActions { KillPod = true, Deleting = true, GracePeriodSeconds = pod.Metadata.DeletionGracePeriodSeconds ?? grace };
        if (pod.Status?.Phase is "Succeeded" or "Failed")
            return new PodActions { KillPod = NeedsKill(observed), GracePeriodSeconds = grace };

        var (createSandbox, attempt) = SandboxChanged(pod, observed);
        if (createSandbox) return ForNewSandbox(pod, observed, attempt, grace);

        var init = spec.InitContainers ?? [];
        var (initLast, nextInit, initDone) = NextInitContainer(pod, observed);
        if (!initDone)
        {
            if (nextInit is null) return new PodActions { GracePeriodSeconds = grace };
            if (initLast is not null && InitFailed(initLast) && !RestartsOnFailure(pod))
                return new PodActions { KillPod = true, GracePeriodSeconds = grace };
            var start = new ContainerStart(nextInit.Name, true, RestartCountAfter(initLast), initLast?.FinishedAt);
            return WithBackoff(pod, [start], [], grace, now, backoff);
        }

        var toStart = new List<ContainerStart>();
        var toKill = new List<ContainerKill>();
        var keep = 0;
        foreach (var c in spec.Containers ?? [])
        {
            var status = observed.Latest(c.Name);
            if (status is null || !status.IsRunning)
            {
                if (ShouldRestart(pod, status)) toStart.Add(new ContainerStart(c.Name, false, RestartCountAfter(status), status?.FinishedAt));
                continue;
            }
            var restart = RestartsOnFailure(pod);
            string message;
            if (status.Hash != ContainerHash.Of(c)) { message = $"Container {c.Name} definition changed"; restart = true; }
            else if (probes.LivenessFailed.ContainsKey(status.Id)) message = $"Container {c.Name} failed liveness probe";
            else if (probes.StartupFailed.ContainsKey(status.Id)) message = $"Container {c.Name} failed startup probe";
            else { keep++; continue; }
            if (restart)
            {
                message += ", will be restarted";
                toStart.Add(new ContainerStart(c.Name, false, status.RestartCount + 1, null));
            }
            toKill.Add(new ContainerKill(status.Id, c.Name, message, ProbeGrace(c, grace)));
        }
        if (keep == 0 && toStart.Count == 0)
            return new PodActions { KillPod = NeedsKill(observed), ContainersToKill = toKill, GracePeriodSeconds = grace };
        return WithBackoff(pod, toStart, toKill, grace, now, backoff);
    }

    private static bool NeedsKill(PodRuntimeState observed) =>
        observed.Running.Any() || observed.Sandboxes.Any(s => s.Ready);

    /// <summary>A fresh sandbox starts from the first init container, or from every app container still due to run.</summary>
    private static PodActions ForNewSandbox(V1Pod pod, PodRuntimeState observed, uint attempt, long grace)
    {
        if (!RestartsOnFailure(pod) && attempt != 0 && observed.Containers.Count != 0)
            return new PodActions { KillPod = NeedsKill(observed), GracePeriodSeconds = grace };
        var init = pod.Spec.InitContainers ?? [];
        List<ContainerStart> starts;
        if (init.Count > 0)
        {
            var first = observed.Latest(init[0].Name);
            starts = [new ContainerStart(init[0].Name, true, RestartCountAfter(first), null)];
        }
        else
        {
            starts = [];
            foreach (var c in pod.Spec.Containers ?? [])
            {
                var last = observed.Latest(c.Name);
                if (pod.Spec.RestartPolicy == "OnFailure" && last is { Succeeded: true }) continue;
                starts.Add(new ContainerStart(c.Name, false, RestartCountAfter(last), null));
            }
            if (starts.Count == 0) return new PodActions { KillPod = NeedsKill(observed), GracePeriodSeconds = grace };
        }
        return new PodActions
        {
            KillPod = NeedsKill(observed) || observed.Sandboxes.Count > 0,
            CreateSandbox = true,
            SandboxAttempt = attempt,
            ContainersToStart = starts,
            GracePeriodSeconds = grace,
        };
    }

    /// <summary>Holds back restarts still inside their back-off window (CrashLoopBackOff).</summary>
    private static PodActions WithBackoff(V1Pod pod, List<ContainerStart> starts, List<ContainerKill> kills, long grace, DateTime now, RestartBackoff backoff)
    {
        var waiting = new Dictionary<string, ContainerWaiting>();
        TimeSpan? requeue = null;
        var allowed = new List<ContainerStart>();
        foreach (var s in starts)
        {
            var c = FindContainer(pod, s.Name, s.IsInit);
            var key = RestartBackoff.Key(pod.Metadata.Uid, s.Name, ContainerHash.Of(c));
            if (s.PreviousExit is { } exit && backoff.IsInBackOffSince(key, exit, now))
            {
                var delay = backoff.Delay(key);
                waiting[s.Name] = new ContainerWaiting("CrashLoopBackOff",
                    $"back-off {GoDuration(delay)} restarting failed container={s.Name} pod={pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})");
                var left = exit + delay - now;
                if (requeue is null || left < requeue) requeue = left;
                continue;
            }
            allowed.Add(s);
        }
        return new PodActions
        {
            ContainersToStart = allowed,
            ContainersToKill = kills,
            Waiting = waiting,
            RequeueAfter = requeue,
            GracePeriodSeconds = grace,
        };
    }

    /// <summary>kubelet's <c>podSandboxChanged</c>: no sandbox, several, a dead one, a lost IP or a changed network mode.</summary>
    private static (bool Create, uint Attempt) SandboxChanged(V1Pod pod, PodRuntimeState observed)
    {
        if (observed.Sandboxes.Count == 0) return (true, 0);
        var latest = observed.Sandboxes[0];
        var next = latest.Attempt + 1;
        if (observed.Sandboxes.Count(s => s.Ready) > 1) return (true, next);
        if (!latest.Ready) return (true, next);
        var hostNetwork = pod.Spec.HostNetwork == true;
        if (latest.HostNetwork != hostNetwork) return (true, next);
        if (!hostNetwork && latest.Ip.Length == 0) return (true, next);
        return (false, latest.Attempt);
    }

    /// <summary>kubelet's <c>findNextInitContainerToRun</c>: the last status seen, the next init container, and whether all are done.</summary>
    internal static (ObservedContainer? Last, V1Container? Next, bool Done) NextInitContainer(V1Pod pod, PodRuntimeState observed)
    {
        var init = pod.Spec.InitContainers ?? [];
        if (init.Count == 0) return (null, null, true);
        if ((pod.Spec.Containers ?? []).Any(c => observed.Latest(c.Name)?.IsRunning == true)) return (null, null, true);
        for (var i = init.Count - 1; i >= 0; i--)
            if (observed.Latest(init[i].Name) is { } s && InitFailed(s)) return (s, init[i], false);
        for (var i = init.Count - 1; i >= 0; i--)
        {
            var s = observed.Latest(init[i].Name);
            if (s is null) continue;
            if (s.IsRunning) return (null, null, false);
            if (s.Succeeded) return i == init.Count - 1 ? (null, null, true) : (s, init[i + 1], false);
            return (s, init[i], false);   // created but never started: start it again
        }
        return (null, init[0], false);
    }

    private static bool InitFailed(ObservedContainer s) =>
        s.State == RuntimeContainerState.Unknown || (s.IsExited && s.ExitCode != 0);

    /// <summary>kubelet's <c>ShouldContainerBeRestarted</c>.</summary>
    private static bool ShouldRestart(V1Pod pod, ObservedContainer? status)
    {
        if (status is null) return true;
        if (status.IsRunning) return false;
        if (status.State is RuntimeContainerState.Unknown or RuntimeContainerState.Created) return true;
        return pod.Spec.RestartPolicy switch
        {
            "Never" => false,
            "OnFailure" => status.ExitCode != 0,
            _ => true,
        };
    }

    private static bool RestartsOnFailure(V1Pod pod) => pod.Spec.RestartPolicy != "Never";

    private static int RestartCountAfter(ObservedContainer? last) =>
        last is null ? 0 : last.State == RuntimeContainerState.Created ? last.RestartCount : last.RestartCount + 1;

    private static long ProbeGrace(V1Container c, long podGrace) =>
        c.LivenessProbe?.TerminationGracePeriodSeconds ?? podGrace;

    internal static V1Container FindContainer(V1Pod pod, string name, bool isInit) =>
        (isInit ? pod.Spec.InitContainers : pod.Spec.Containers)?.FirstOrDefault(c => c.Name == name)
        ?? throw new InvalidOperationException($"container {name} is not in pod {pod.Metadata.Name}");

    /// <summary>Go's <c>time.Duration.String</c> for whole seconds and minutes: 10s, 1m20s, 5m0s.</summary>
    internal static string GoDuration(TimeSpan d)
    {
        var total = (long)d.TotalSeconds;
        return total < 60 ? $"{total}s" : total < 3600 ? $"{total / 60}m{total % 60}s" : $"{total / 3600}h{total / 60 % 60}m{total % 60}s";
    }
}
