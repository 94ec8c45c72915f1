using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>
/// Computes a pod's API status from the runtime state (kubelet's <c>generateAPIPodStatus</c> + <c>getPhase</c>):
/// container statuses, phase, conditions and IPs. Pure; transition times of unchanged conditions are carried over.
/// </summary>
internal static class PodStatusBuilder
{
    public const string RuntimePrefix = "containerd://";

    public static V1PodStatus Compute(V1Pod pod, PodRuntimeState observed, ProbeSnapshot probes,
        IReadOnlyDictionary<string, ContainerWaiting> waiting, string hostIp, DateTime now)
    {
        var old = pod.Status ?? new V1PodStatus();
        var hasInit = (pod.Spec.InitContainers ?? []).Count > 0;
        var init = (pod.Spec.InitContainers ?? []).Select(c => ContainerStatus(c, true, hasInit, observed, probes, waiting)).ToList();
        var apps = (pod.Spec.Containers ?? []).Select(c => ContainerStatus(c, false, hasInit, observed, probes, waiting)).ToList();
        var phase = Phase(pod, init, apps);
        if (old.Phase is "Succeeded" or "Failed") phase = old.Phase;   // terminal phases never change back

        var sandbox = observed.LatestSandbox;
        var hostNetwork = pod.Spec.HostNetwork == true;
        var podIp = hostNetwork ? hostIp : sandbox is { Ready: true } ? sandbox.Ip : old.PodIP ?? "";
        var status = new V1PodStatus
        {
            Phase = phase,
            HostIP = hostIp,
            HostIPs = [new V1HostIP { Ip = hostIp }],
            PodIP = podIp.Length == 0 ? null : podIp,
            PodIPs = podIp.Length == 0 ? null : [new V1PodIP { Ip = podIp }],
            StartTime = old.StartTime ?? now,
            QosClass = old.QosClass ?? QosClass(pod),
            InitContainerStatuses = init.Count == 0 ? null : init,
            ContainerStatuses = apps,
            NominatedNodeName = old.NominatedNodeName,
        };
        status.Conditions = Conditions(pod, old, status, sandbox, hostNetwork, now);
        return status;
    }

    private static V1ContainerStatus ContainerStatus(V1Container c, bool isInit, bool podHasInit, PodRuntimeState observed,
        ProbeSnapshot probes, IReadOnlyDictionary<string, ContainerWaiting> waiting)
    {
        var latest = observed.Latest(c.Name);
        var prev = observed.Previous(c.Name);
        waiting.TryGetValue(c.Name, out var held);
        var status = new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image,
            ImageID = latest?.ImageRef ?? "",
            ContainerID = latest is null ? null : RuntimePrefix + latest.Id,
            RestartCount = latest?.RestartCount ?? 0,
            Ready = false,
            Started = false,
            LastState = new V1ContainerState(),
        };
        if (latest is null || latest.State == RuntimeContainerState.Created)
        {
            status.State = Waiting(held ?? new ContainerWaiting(podHasInit ? "PodInitializing" : "ContainerCreating", ""));
            if (prev is { IsExited: true }) status.LastState = Terminated(prev);
        }
        else if (latest.IsRunning)
        {
            status.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = latest.StartedAt } };
            if (prev is { IsExited: true }) status.LastState = Terminated(prev);
            status.Started = isInit ? false : probes.IsStarted(latest.Id);
            status.Ready = !isInit && status.Started == true && probes.IsReady(latest.Id, c.ReadinessProbe is not null);
        }
        else if (held is not null)
        {
            status.State = Waiting(held);
            status.LastState = Terminated(latest);
        }
        else
        {
            status.State = Terminated(latest);
            if (prev is { IsExited: true }) status.LastState = Terminated(prev);
            status.Ready = isInit && latest.Succeeded;
        }
        return status;
    }

    private static V1ContainerState Waiting(ContainerWaiting w) =>
        new() { Waiting = new V1ContainerStateWaiting { Reason = w.Reason, Message = w.Message.Length == 0 ? null : w.Message } };

    private static V1ContainerState Terminated(ObservedContainer c) => new()
    {
        Terminated = new V1ContainerStateTerminated
        {
            ExitCode = c.ExitCode,
            Reason = c.Reason.Length > 0 ? c.Reason : c.ExitCode == 0 ? "Completed" : "Error",
            Message = c.Message.Length == 0 ? null : c.Message,
            StartedAt = c.StartedAt,
            FinishedAt = c.FinishedAt,
            ContainerID = RuntimePrefix + c.Id,
        },
    };

    /// <summary>kubelet's <c>getPhase</c>.</summary>
    internal static string Phase(V1Pod pod, List<V1ContainerStatus> init, List<V1ContainerStatus> apps)
    {
        int pendingInit = 0, failedInit = 0;
        foreach (var s in init)
        {
            if (s.State.Running is not null) pendingInit++;
            else if (s.State.Terminated is { } t) { if (t.ExitCode != 0) failedInit++; }
            else if (s.LastState?.Terminated is { ExitCode: not 0 }) failedInit++;
            else pendingInit++;
        }
        int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
        foreach (var s in apps)
        {
            if (s.State.Running is not null) running++;
            else if (s.State.Terminated is { } t) { stopped++; if (t.ExitCode == 0) succeeded++; }
            else if (s.State.Waiting is not null)
            {
                if (s.LastState?.Terminated is not null) stopped++;
                else waiting++;
            }
            else unknown++;
        }
        var policy = pod.Spec.RestartPolicy ?? "Always";
        if (failedInit > 0 && policy == "Never") return "Failed";
        if (pendingInit > 0 || failedInit > 0 || waiting > 0) return "Pending";
        if (running > 0 && unknown == 0) return "Running";
        if (running == 0 && stopped > 0 && unknown == 0)
        {
            if (policy == "Always") return "Running";
            if (stopped == succeeded) return "Succeeded";
            return policy == "Never" ? "Failed" : "Running";
        }
        return "Pending";
    }

    private static List<V1PodCondition> Conditions(V1Pod pod, V1PodStatus old, V1PodStatus status, ObservedSandbox? sandbox, bool hostNetwork, DateTime now)
    {
        var done = status.Phase == "Succeeded";
        var initPending = (status.InitContainerStatuses ?? []).Where(s => s.State.Terminated is not { ExitCode: 0 }).Select(s => s.Name).ToList();
        var unready = status.ContainerStatuses.Where(s => s.Ready != true).Select(s => s.Name).ToList();
        var sandboxUp = sandbox is { Ready: true } && (hostNetwork || sandbox.Ip.Length > 0);
        var list = new List<V1PodCondition>
        {
            Condition(old, "PodReadyToStartContainers", sandboxUp, null, null, now),
            done || initPending.Count == 0
                ? Condition(old, "Initialized", true, done && (status.InitContainerStatuses?.Count ?? 0) > 0 ? "PodCompleted" : null, null, now)
                : Condition(old, "Initialized", false, "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(" ", initPending)}]", now),
            Readiness(old, "Ready", done, unready, now),
            Readiness(old, "ContainersReady", done, unready, now),
        };
        var scheduled = old.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled")
            ?? new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now };
        list.Add(scheduled);
        return list;
    }

    private static V1PodCondition Readiness(V1PodStatus old, string type, bool done, List<string> unready, DateTime now) =>
        done ? Condition(old, type, false, "PodCompleted", null, now)
        : unready.Count == 0 ? Condition(old, type, true, null, null, now)
        : Condition(old, type, false, "ContainersNotReady", $"containers with unready status: [{string.Join(" ", unready)}]", now);

    private static V1PodCondition Condition(V1PodStatus old, string type, bool value, string? reason, string? message, DateTime now)
    {
        var status = value ? "True" : "False";
        var prior = old.Conditions?.FirstOrDefault(c => c.Type == type);
        return new V1PodCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastTransitionTime = prior is not null && prior.Status == status ? prior.LastTransitionTime : now,
        };
    }

    /// <summary>Guaranteed, Burstable or BestEffort, as the API server's qos helper decides.</summary>
    internal static string QosClass(V1Pod pod)
    {
        var all = (pod.Spec.Containers ?? []).Concat(pod.Spec.InitContainers ?? []).ToList();
        if (all.All(c => (c.Resources?.Requests?.Count ?? 0) == 0 && (c.Resources?.Limits?.Count ?? 0) == 0)) return "BestEffort";
        var guaranteed = all.All(c =>
        {
            var limits = c.Resources?.Limits;
            if (limits is null || !limits.ContainsKey("cpu") || !limits.ContainsKey("memory")) return false;
            var requests = c.Resources?.Requests;
            return requests is null || requests.All(r => !limits.TryGetValue(r.Key, out var l) || l.ToString() == r.Value.ToString());
        });
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}
