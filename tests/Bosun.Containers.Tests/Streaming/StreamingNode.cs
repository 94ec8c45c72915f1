using System.Diagnostics;
using System.Net;
using Bosun.Agent;
using Bosun.Agent.Images;
using Bosun.Agent.Runtime;
using Bosun.Cri;
using Bosun.Cri.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Containers.Tests.Streaming;

/// <summary>
/// One private containerd for the streaming tests (cri-containerd.md §2–§3): its own data dir under /tmp, a unique
/// bridge and free /24, the pause image and a busybox image imported, pods started through CRI with the agent's labels
/// and log paths. Dispose removes the pods, containerd (by pid), leftover shims of our socket, the bridge, our cgroups
/// and the data dir, and restores <c>net.ipv4.ip_forward</c>.
/// </summary>
internal sealed class StreamingNode : IAsyncDisposable
{
    public const string Image = "localhost/bosun-test/busybox:streaming";
    private static readonly string[] AppletNames = ["sh", "cat", "sleep", "httpd", "mkdir", "echo", "seq", "ls", "true", "stty", "wc"];
    private readonly ContainerdSupervisor _supervisor;
    private readonly string _ipForward;

    private StreamingNode(string dataDir, string id)
    {
        DataDir = dataDir;
        Id = id;
        Paths = new AgentPaths(dataDir);
        _supervisor = new ContainerdSupervisor(new ContainerdOptions { Paths = Paths, SkipDependencyCheck = true }, NullLogger.Instance);
        _ipForward = File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim();
        Cri = null!;
    }

    public string DataDir { get; }
    public string Id { get; }
    public AgentPaths Paths { get; }
    public CriChannel Cri { get; private set; }
    public string Bridge => "bs" + Id;
    private string CgroupRoot => $"bosun-st-{Id}";

    public static async Task<StreamingNode> StartAsync(CancellationToken ct = default)
    {
        var id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..3]);
        var dir = Path.Combine("/tmp", "bs-" + id);   // short: unix socket paths are limited to 108 bytes
        Directory.CreateDirectory(dir);
        var node = new StreamingNode(dir, id);
        try
        {
            CniConfig.Write(node.Paths, FreeSubnet(), node.Bridge);
            var endpoint = await node._supervisor.StartAsync(ct);
            node.Cri = CriChannel.ForUnixSocket(endpoint.Socket);
            var importer = new ImageImporter(endpoint.Socket);
            await PauseImage.EnsureAsync(node.Cri.Images, importer, Path.Combine(dir, "build"), ct);
            var tar = Path.Combine(dir, "build", "busybox.tar");
            await using (var s = File.Create(tar))
                DockerArchiveWriter.Write(BusyboxEntries(), [Image], new ImageConfig { Cmd = ["sh"], Env = ["PATH=/bin"] }, s);
            await importer.ImportAsync(tar, ct);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private static IReadOnlyList<RootfsEntry> BusyboxEntries() =>
    [
        .. PauseImage.Entries(),
        .. AppletNames.Select(a => (RootfsEntry)new RootfsEntry.Symlink("bin/" + a, "busybox")),
    ];

    /// <summary>Runs a pod sandbox labelled as the agent labels it; returns its id.</summary>
    public async Task<string> RunSandboxAsync(string ns, string name, string uid, CancellationToken ct)
    {
        var response = await Cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = SandboxConfig(ns, name, uid) }, cancellationToken: ct);
        return response.PodSandboxId;
    }

    /// <summary>Creates and starts one container of the pod with the agent's labels, restart-count annotation and log path.</summary>
    public async Task<string> RunContainerAsync(string sandboxId, string ns, string name, string uid, string container, int restartCount,
        IReadOnlyList<string> command, CancellationToken ct, bool stdin = false)
    {
        var config = new ContainerConfig
        {
            Stdin = stdin,
            StdinOnce = stdin,
            Metadata = new ContainerMetadata { Name = container, Attempt = (uint)restartCount },
            Image = new ImageSpec { Image = Image },
            LogPath = $"{container}/{restartCount}.log",
            Linux = new LinuxContainerConfig(),
        };
        config.Command.AddRange(command);
        config.Labels[CriLabels.PodNamespace] = ns;
        config.Labels[CriLabels.PodName] = name;
        config.Labels[CriLabels.PodUid] = uid;
        config.Labels[CriLabels.ContainerName] = container;
        config.Labels[CriLabels.ManagedBy] = CriLabels.ManagedByValue;
        config.Annotations[CriLabels.RestartCount] = restartCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var created = await Cri.Runtime.CreateContainerAsync(new CreateContainerRequest
        {
            PodSandboxId = sandboxId,
            Config = config,
            SandboxConfig = SandboxConfig(ns, name, uid),
        }, cancellationToken: ct);
        await Cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = created.ContainerId }, cancellationToken: ct);
        return created.ContainerId;
    }

    public async Task WaitExitedAsync(string containerId, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, cancellationToken: ct)).Status.State
               != ContainerState.ContainerExited)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"container {containerId} did not exit");
            await Task.Delay(100, ct);
        }
    }

    private PodSandboxConfig SandboxConfig(string ns, string name, string uid)
    {
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = ns, Uid = uid },
            Hostname = name,
            LogDirectory = Paths.PodLogDir(ns, name, uid),
            Linux = new LinuxPodSandboxConfig { CgroupParent = $"/{CgroupRoot}/pod{uid}" },
        };
        config.Labels[CriLabels.PodNamespace] = ns;
        config.Labels[CriLabels.PodName] = name;
        config.Labels[CriLabels.PodUid] = uid;
        config.Labels[CriLabels.ManagedBy] = CriLabels.ManagedByValue;
        return config;
    }

    /// <summary>A /24 in 10.200.0.0/13 that no route on the host overlaps.</summary>
    private static string FreeSubnet()
    {
        var routes = Run("ip", "-4", "route", "show", "table", "all");
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var n = Random.Shared.Next(200 * 256, 208 * 256);
            var prefix = $"10.{n / 256}.{n % 256}.";
            if (!routes.Contains(prefix, StringComparison.Ordinal)) return prefix + "0/24";
        }
        throw new InvalidOperationException("no free /24 in 10.200.0.0/13");
    }

    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    public async ValueTask DisposeAsync()
    {
        if (Cri is not null)
        {
            try
            {
                var sandboxes = await Cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest());
                foreach (var s in sandboxes.Items)
                {
                    await Cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = s.Id });
                    await Cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = s.Id });
                }
            }
            catch (Grpc.Core.RpcException) { /* containerd already gone */ }
            Cri.Dispose();
        }
        await _supervisor.StopAsync(CancellationToken.None);
        KillLeftoverShims();
        Run("ip", "link", "del", Bridge);
        RemoveCgroups();
        foreach (var mount in File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')[1]).Where(m => m.StartsWith(DataDir + "/", StringComparison.Ordinal)).Reverse())
            Run("umount", "-l", mount);
        File.WriteAllText("/proc/sys/net/ipv4/ip_forward", _ipForward);
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Shims of our containerd outlive it (re-parented to PID 1); they are ours if their command line names our socket.</summary>
    private void KillLeftoverShims()
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (cmdline.Contains("containerd-shim", StringComparison.Ordinal) && cmdline.Contains(DataDir + "/", StringComparison.Ordinal))
            {
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
            }
        }
    }

    private void RemoveCgroups()
    {
        if (!Directory.Exists("/sys/fs/cgroup")) return;
        IEnumerable<string> roots = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? ["/sys/fs/cgroup"] : Directory.GetDirectories("/sys/fs/cgroup");
        foreach (var root in roots)
        {
            var dir = Path.Combine(root, CgroupRoot);
            if (!Directory.Exists(dir)) continue;
            foreach (var d in Directory.GetDirectories(dir, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(dir))
            {
                try { Directory.Delete(d); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
