using System.Net;
using System.Net.Sockets;
using Bosun.Agent.Runtime;
using Bosun.Agent.Runtime.Preflight;

namespace Bosun.Agent.Tests.Runtime.Preflight;

/// <summary>A healthy cgroup v2 host as root; tests change one thing and look at the findings.</summary>
internal sealed class FakePreflightHost : IPreflightHost
{
    public Dictionary<string, string> Files { get; } = new()
    {
        ["/proc/filesystems"] = "nodev\tsysfs\nnodev\toverlay\n\text4\n",
        ["/sys/fs/cgroup/cgroup.controllers"] = "cpuset cpu io memory hugetlb pids rdma misc\n",
        [PreflightChecks.IpForwardPath] = "1\n",
        [PreflightChecks.BridgeNfPath] = "1\n",
        ["/proc/swaps"] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n",
    };

    public bool IsRoot { get; set; } = true;
    public HashSet<(IPEndPoint, ProtocolType)> Busy { get; } = [];
    public Dictionary<string, string> Unwritable { get; } = [];
    public List<HostDependencies.Requirement> Missing { get; } = [];
    public string? WriteFailure { get; set; }
    public List<(string Path, string Value)> Written { get; } = [];
    public List<string> Loaded { get; } = [];
    public string? ModuleFailure { get; set; }

    public string? LoadModule(string name)
    {
        if (ModuleFailure is not null) return ModuleFailure;
        Loaded.Add(name);
        return null;
    }

    public string? ReadFile(string path) => Files.GetValueOrDefault(path);
    public bool CanBind(IPEndPoint endpoint, ProtocolType protocol) => !Busy.Contains((endpoint, protocol));
    public string? WritableProblem(string directory) => Unwritable.GetValueOrDefault(directory);
    public IReadOnlyList<HostDependencies.Requirement> MissingDependencies() => Missing;

    public string? WriteFile(string path, string value)
    {
        if (WriteFailure is not null) return WriteFailure;
        Written.Add((path, value));
        Files[path] = value;
        return null;
    }
}
