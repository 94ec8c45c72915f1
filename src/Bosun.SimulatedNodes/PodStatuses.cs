using System.Security.Cryptography;
using System.Text;
using k8s.Models;

namespace Bosun.SimulatedNodes;

/// <summary>The statuses a simulated node reports for a pod: running and ready, or finished. Pure.</summary>
internal static class PodStatuses
{
    public static V1PodStatus Running(V1Pod pod, string hostIp, string podIp, DateTime started, DateTime now, int restarts = 0)
    {
        var status = Base(pod, hostIp, podIp, started);
        status.Phase = "Running";
        status.Conditions = Conditions(pod, now, ready: true, reason: null);
        status.InitContainerStatuses = pod.Spec.InitContainers?.Select(c => Finished(pod, c, 0, started, started, ready: true)).ToList();
        status.ContainerStatuses = pod.Spec.Containers.Select(c => new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image,
            ImageID = ImageId(c.Image),
            ContainerID = ContainerId(pod, c.Name),
            Ready = true,
            Started = true,
            RestartCount = restarts,
            State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = started } },
        }).ToList();
        return status;
    }

    public static V1PodStatus Finished(V1Pod pod, string hostIp, string podIp, DateTime started, DateTime now, int exitCode)
    {
        var status = Base(pod, hostIp, podIp, started);
        status.Phase = exitCode == 0 ? "Succeeded" : "Failed";
        status.Conditions = Conditions(pod, now, ready: false, reason: "PodCompleted");
        status.InitContainerStatuses = pod.Spec.InitContainers?.Select(c => Finished(pod, c, 0, started, started, ready: true)).ToList();
        status.ContainerStatuses = pod.Spec.Containers.Select(c => Finished(pod, c, exitCode, started, now, ready: false)).ToList();
        return status;
    }

    private static V1PodStatus Base(V1Pod pod, string hostIp, string podIp, DateTime started) => new()
    {
        HostIP = hostIp,
        HostIPs = [new V1HostIP { Ip = hostIp }],
        PodIP = podIp,
        PodIPs = [new V1PodIP { Ip = podIp }],
        StartTime = started,
        QosClass = pod.Status?.QosClass,
    };

    private static V1ContainerStatus Finished(V1Pod pod, V1Container c, int exitCode, DateTime started, DateTime finished, bool ready) => new()
    {
        Name = c.Name,
        Image = c.Image,
        ImageID = ImageId(c.Image),
        ContainerID = ContainerId(pod, c.Name),
        Ready = ready,
        Started = false,
        RestartCount = 0,
        State = new V1ContainerState
        {
            Terminated = new V1ContainerStateTerminated
            {
                ExitCode = exitCode,
                Reason = exitCode == 0 ? "Completed" : "Error",
                StartedAt = started,
                FinishedAt = finished,
                ContainerID = ContainerId(pod, c.Name),
            },
        },
    };

    /// <summary>PodScheduled stays as the binding set it; the others follow readiness.</summary>
    private static List<V1PodCondition> Conditions(V1Pod pod, DateTime now, bool ready, string? reason)
    {
        var old = pod.Status?.Conditions ?? [];
        var scheduled = old.FirstOrDefault(c => c.Type == "PodScheduled") ?? new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now };
        V1PodCondition Make(string type, bool value, string? why) => new()
        {
            Type = type,
            Status = value ? "True" : "False",
            Reason = value ? null : why,
            LastTransitionTime = old.FirstOrDefault(c => c.Type == type) is { } prior && prior.Status == (value ? "True" : "False")
                ? prior.LastTransitionTime : now,
        };
        return
        [
            Make("PodReadyToStartContainers", true, null),
            Make("Initialized", true, null),
            Make("Ready", ready, reason),
            Make("ContainersReady", ready, reason),
            scheduled,
        ];
    }

    private static string ImageId(string? image)
    {
        var name = image ?? "unknown";
        var at = name.IndexOf('@');
        var repo = at >= 0 ? name[..at] : name.Split(':')[0];
        return $"{repo}@sha256:{Hash(name)}";
    }

    public static string ContainerId(V1Pod pod, string container) => $"sim://{Hash(pod.Metadata.Uid + "/" + container)}";

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
