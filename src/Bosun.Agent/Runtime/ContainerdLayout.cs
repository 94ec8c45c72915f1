namespace Bosun.Agent.Runtime;

/// <summary>
/// Where one supervised containerd keeps everything (all under <c>&lt;data-dir&gt;/agent/containerd</c>, so that two
/// instances on one host never share a path; cri-containerd.md §2 and §14 pitfall 2).
/// </summary>
internal sealed class ContainerdLayout(AgentPaths paths)
{
    public AgentPaths Paths { get; } = paths;
    public string Dir => Paths.Containerd;
    public string ConfigFile => Path.Combine(Dir, "config.toml");
    public string Root => Path.Combine(Dir, "root");
    public string State => Path.Combine(Dir, "state");
    public string Socket => Path.Combine(Dir, "containerd.sock");
    public string TtrpcSocket => Path.Combine(Dir, "containerd.sock.ttrpc");
    public string DebugSocket => Path.Combine(Dir, "debug.sock");
    public string Opt => Path.Combine(Dir, "opt");
    public string RuncRoot => Path.Combine(Dir, "runc-root");

    /// <summary>Registry host configuration (<c>certs.d/&lt;host&gt;/hosts.toml</c>), re-read by containerd on every pull.</summary>
    public string CertsDir => Path.Combine(Dir, "certs.d");

    public string PidFile => Path.Combine(Dir, "containerd.pid");
    public string LogFile => Path.Combine(Dir, "containerd.log");
}
