using System.CommandLine;
using System.Net;
using Bosun.Agent.Runtime.Preflight;

namespace Bosun.Server;

/// <summary>The preflight plans of <c>bosun server</c> and <c>bosun agent</c>: what each is about to start.</summary>
internal static class ServerPreflight
{
    public static PreflightPlan For(ServerConfig config) => new()
    {
        DataDir = config.DataDir,
        ApiServer = new IPEndPoint(config.BindAddress, config.Port),
        RunsAgent = !config.DisableAgent,
        OwnContainerd = config.ContainerRuntimeEndpoint is null,
        NoInstall = config.NoInstall,
        KubeletPort = config.KubeletPort,
        DnsListenAddress = !config.DisableClusterDns && !config.ClusterDns.Equals(IPAddress.None) ? ParseOrNull(config.NodeIp) : null,
        RunServiceProxy = !config.DisableKubeProxy,
        RunPodNetwork = config.RunPodNetwork,
    };

    /// <param name="dnsNodeIp">The <c>--node-ip</c> the cluster DNS will listen on; null without the DNS or the flag.</param>
    public static PreflightPlan ForAgent(string dataDir, string? runtimeEndpoint, bool noInstall, int kubeletPort, string? dnsNodeIp, bool runProxy, bool runPodNetwork) => new()
    {
        DataDir = dataDir,
        RunsAgent = true,
        OwnContainerd = string.IsNullOrEmpty(runtimeEndpoint),
        NoInstall = noInstall,
        KubeletPort = kubeletPort,
        DnsListenAddress = ParseOrNull(dnsNodeIp),
        RunServiceProxy = runProxy,
        RunPodNetwork = runPodNetwork,
    };

    /// <summary>Runs the phase, printing to standard error; false: exit 1.</summary>
    public static bool Run(PreflightPlan plan, string[]? ignore) =>
        PreflightPhase.Run(plan, PreflightPhase.ParseIgnore(ignore), Console.Error);

    public static Option<string[]> IgnoreOption() => new("--ignore-preflight-errors")
    {
        Description = "Preflight errors to show as warnings, e.g. Port-6443,Swap (all: every one)",
        AllowMultipleArgumentsPerToken = false,
    };

    private static IPAddress? ParseOrNull(string? ip) => IPAddress.TryParse(ip, out var a) ? a : null;
}
