namespace Bosun.Agent.Runtime;

/// <summary>
/// A ready CRI runtime. <see cref="Pid"/> is the supervised containerd's process id, or null for an external endpoint
/// (<c>--container-runtime-endpoint</c>). <see cref="Adopted"/> says the process was already running from a previous agent.
/// </summary>
internal sealed record ContainerdEndpoint(string Socket, int? Pid, bool Adopted, string RuntimeVersion);
