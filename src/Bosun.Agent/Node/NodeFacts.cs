namespace Bosun.Agent.Node;

/// <summary>What the node is made of, read once at start (and memory/disk on every status round).</summary>
internal sealed record NodeFacts
{
    public required string Hostname { get; init; }
    public required string InternalIp { get; init; }
    public int Cpus { get; init; }
    public long MemoryBytes { get; init; }
    public long EphemeralStorageBytes { get; init; }
    public string KernelVersion { get; init; } = "";
    public string OsImage { get; init; } = "";
    public string Architecture { get; init; } = "amd64";
    public string MachineId { get; init; } = "";
    public string BootId { get; init; } = "";
    /// <summary><c>containerd://1.6.20</c>, from CRI Version.</summary>
    public string ContainerRuntimeVersion { get; init; } = "";
}

/// <summary>The node's health at one status round.</summary>
internal sealed record NodeHealth
{
    public bool RuntimeReady { get; init; } = true;
    public bool NetworkReady { get; init; } = true;
    public string RuntimeMessage { get; init; } = "";
    public long MemoryAvailableBytes { get; init; } = long.MaxValue;
    /// <summary>Free fraction of the node filesystem holding the data dir (0–1).</summary>
    public double DiskAvailableFraction { get; init; } = 1;
    public double PidsAvailableFraction { get; init; } = 1;
}
