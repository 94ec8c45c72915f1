using Bosun.Agent.Pods;
using k8s.Models;

namespace Bosun.Agent.Tests.Pods;

/// <summary>Pods and runtime states for the pure pod-worker tests.</summary>
internal static class PodFixtures
{
    public static readonly DateTime T0 = new(2026, 11, 26, 1, 0, 0, DateTimeKind.Utc);

    public static V1Pod Pod(string restartPolicy = "Always", string[]? init = null, string[]? apps = null)
    {
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "uid-1" },
            Spec = new V1PodSpec
            {
                NodeName = "node-a",
                RestartPolicy = restartPolicy,
                TerminationGracePeriodSeconds = 30,
                InitContainers = init?.Select(n => new V1Container { Name = n, Image = "busybox" }).ToList(),
                Containers = (apps ?? ["app"]).Select(n => new V1Container { Name = n, Image = "busybox" }).ToList(),
            },
            Status = new V1PodStatus { Phase = "Pending" },
        };
    }

    public static ObservedSandbox Sandbox(bool ready = true, uint attempt = 0, string ip = "10.88.0.5") =>
        new("sb" + attempt, attempt, ready, T0) { Ip = ip };

    public static ObservedContainer Running(V1Pod pod, string name, int restarts = 0, DateTime? created = null) =>
        new("c-" + name + restarts, name, RuntimeContainerState.Running, Hash(pod, name), restarts, created ?? T0.AddSeconds(restarts))
        { StartedAt = created ?? T0.AddSeconds(restarts) };

    public static ObservedContainer Exited(V1Pod pod, string name, int exitCode, int restarts = 0, DateTime? finished = null) =>
        new("c-" + name + restarts, name, RuntimeContainerState.Exited, Hash(pod, name), restarts, T0.AddSeconds(restarts))
        {
            StartedAt = T0.AddSeconds(restarts),
            FinishedAt = finished ?? T0.AddSeconds(restarts + 1),
            ExitCode = exitCode,
            Reason = exitCode == 0 ? "Completed" : "Error",
        };

    public static PodRuntimeState State(ObservedSandbox? sandbox, params ObservedContainer[] containers) =>
        new(sandbox is null ? [] : [sandbox], containers);

    public static string Hash(V1Pod pod, string name) =>
        ContainerHash.Of((pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers).First(c => c.Name == name));
}
