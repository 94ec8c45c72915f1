namespace Bosun.Agent.Network;

/// <summary>
/// <c>--flannel-backend</c> (k3s' flag name): <c>host-gw</c> runs <see cref="PodNetwork"/>, <c>none</c> leaves the
/// pod network to whoever configured the CNI. Unset: host-gw when the agent writes its own CNI config (its own
/// containerd), none with <c>--container-runtime-endpoint</c> (someone else's CNI, whose pod addresses need not be
/// the node's podCIDR).
/// </summary>
internal static class FlannelBackend
{
    public const string HostGw = "host-gw";
    public const string None = "none";

    /// <summary>Whether to run the pod network; null with <paramref name="error"/> set for an unknown value.</summary>
    public static bool? Resolve(string? value, string? runtimeEndpoint, out string? error)
    {
        error = null;
        switch (value)
        {
            case null or "": return string.IsNullOrEmpty(runtimeEndpoint);
            case HostGw: return true;
            case None: return false;
            default:
                error = $"--flannel-backend: \"{value}\" is not supported (host-gw or none)";
                return null;
        }
    }
}
