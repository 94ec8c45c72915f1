namespace Bosun.Agent;

/// <summary>
/// The labels and annotations the agent puts on CRI sandboxes and containers, with the kubelet's names, so that
/// the agent can adopt what it finds after a restart and the streaming, log and metrics code can find a pod's
/// containers without asking the pod workers.
/// </summary>
internal static class CriLabels
{
    public const string PodName = "io.kubernetes.pod.name";
    public const string PodNamespace = "io.kubernetes.pod.namespace";
    public const string PodUid = "io.kubernetes.pod.uid";
    public const string ContainerName = "io.kubernetes.container.name";

    /// <summary>Marks objects this agent created; anything without it in our runtime is left alone.</summary>
    public const string ManagedBy = "bosun.dev/managed-by";
    public const string ManagedByValue = "bosun-agent";

    // Annotations (container): what the kubelet keeps across restarts of the agent.
    public const string RestartCount = "io.kubernetes.container.restartCount";
    public const string ContainerHash = "io.kubernetes.container.hash";
    public const string TerminationMessagePath = "io.kubernetes.container.terminationMessagePath";
    public const string PodTerminationGracePeriod = "io.kubernetes.pod.terminationGracePeriod";
}
