namespace Bosun.Agent.Pods;

/// <summary>A container the applier should create and start; <see cref="RestartCount"/> becomes its attempt.</summary>
internal sealed record ContainerStart(string Name, bool IsInit, int RestartCount, DateTime? PreviousExit);

/// <summary>A running container the applier should stop, with the kubelet's message (shown in the Killing event).</summary>
internal sealed record ContainerKill(string Id, string Name, string Message, long GracePeriodSeconds);

/// <summary>Why a container is waiting instead of running (status <c>state.waiting</c>).</summary>
internal sealed record ContainerWaiting(string Reason, string Message);
