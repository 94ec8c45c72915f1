namespace Bosun.Agent;

/// <summary>Where the agent keeps its state under <c>&lt;data-dir&gt;/agent</c>; one place so every part agrees.</summary>
internal sealed class AgentPaths(string dataDir)
{
    public string Root { get; } = Path.Combine(Path.GetFullPath(dataDir), "agent");

    public string Containerd => Path.Combine(Root, "containerd");

    public string CniConfigDir => Path.Combine(Root, "cni", "net.d");

    public string CniIpamDir => Path.Combine(Root, "cni", "ipam");

    public string Images => Path.Combine(Root, "images");

    public string PodManifests => Path.Combine(Root, "pod-manifests");

    /// <summary>CRI log directory of one pod: <c>logs/&lt;ns&gt;_&lt;pod&gt;_&lt;uid&gt;</c>; container logs are <c>&lt;container&gt;/&lt;restartCount&gt;.log</c> under it.</summary>
    public string PodLogDir(string ns, string name, string uid) => Path.Combine(Root, "logs", $"{ns}_{name}_{uid}");

    /// <summary>Per-pod state (volumes, /etc/hosts): <c>pods/&lt;uid&gt;</c>.</summary>
    public string PodDir(string uid) => Path.Combine(Root, "pods", uid);

    /// <summary>Directory-backed PersistentVolumes of the built-in <c>local-path</c> StorageClass.</summary>
    public string Storage => Path.Combine(Path.GetDirectoryName(Root)!, "storage");
}
