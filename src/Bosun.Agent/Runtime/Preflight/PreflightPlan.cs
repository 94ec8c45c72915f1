using System.Net;

namespace Bosun.Agent.Runtime.Preflight;

/// <summary>What the process is about to start, which decides the checks that apply.</summary>
internal sealed record PreflightPlan
{
    public required string DataDir { get; init; }

    /// <summary>The API server's listen address and port; null for <c>bosun agent</c>.</summary>
    public IPEndPoint? ApiServer { get; init; }

    /// <summary>False for <c>bosun server --disable-agent</c>: no node checks.</summary>
    public bool RunsAgent { get; init; }

    /// <summary>The agent starts its own containerd (no <c>--container-runtime-endpoint</c>).</summary>
    public bool OwnContainerd { get; init; }

    public bool NoInstall { get; init; }
    public int KubeletPort { get; init; } = 10250;

    /// <summary>The agent's node IP when given on the command line: the cluster DNS listens there on port 53.</summary>
    public IPAddress? DnsListenAddress { get; init; }

    public bool RunServiceProxy { get; init; }
    public bool RunPodNetwork { get; init; }
}

internal enum PreflightSeverity { Warning, Error }

/// <summary>One check's complaint, named like kubeadm's checks so <c>--ignore-preflight-errors=NAME</c> can ignore it.</summary>
/// <param name="Fix">A file to write (as root) that cures the problem, e.g. <c>/proc/sys/net/ipv4/ip_forward</c> ← <c>1</c>.</param>
/// <param name="Module">A kernel module to load (as root) before <paramref name="Fix"/> is written, e.g. <c>br_netfilter</c>.</param>
internal sealed record PreflightFinding(string Name, PreflightSeverity Severity, string Message, (string Path, string Value)? Fix = null,
    string? Module = null);
