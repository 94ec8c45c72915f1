using Bosun.Agent;
using Bosun.Cri;
using Bosun.Cri.V1;
using Bosun.Testing.Containers;

namespace Bosun.Containers.Tests;

/// <summary>Runs test pods over CRI the way the agent will: a sandbox with our labels, then containers in it.</summary>
internal static class Pods
{
    public static PodSandboxConfig Sandbox(ContainerdFixture containerd, string name, params PortMapping[] ports)
    {
        var uid = Guid.NewGuid().ToString();
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = "default", Uid = uid },
            Hostname = name,
            LogDirectory = containerd.LogDir(uid),
            Labels = { [CriLabels.PodName] = name, [CriLabels.PodNamespace] = "default", [CriLabels.PodUid] = uid, [CriLabels.ManagedBy] = CriLabels.ManagedByValue },
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = containerd.CgroupParent(uid),
                SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Pod, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod } },
            },
        };
        config.PortMappings.AddRange(ports);
        Directory.CreateDirectory(config.LogDirectory);
        return config;
    }

    public static ContainerConfig Container(string name, string image, params string[] command)
    {
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = name },
            Image = new ImageSpec { Image = image },
            LogPath = $"{name}/0.log",
            Labels = { [CriLabels.ContainerName] = name },
        };
        config.Command.AddRange(command);
        return config;
    }

    /// <summary>RunPodSandbox, then create and start each container; returns the sandbox id and container ids.</summary>
    public static async Task<(string SandboxId, IReadOnlyList<string> ContainerIds)> RunAsync(
        CriChannel cri, PodSandboxConfig sandbox, params ContainerConfig[] containers)
    {
        var podId = (await cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = sandbox })).PodSandboxId;
        var ids = new List<string>();
        foreach (var c in containers)
        {
            // As the kubelet: every container carries its pod's labels, so stats and logs can be attributed without the sandbox.
            foreach (var key in (string[])[CriLabels.PodName, CriLabels.PodNamespace, CriLabels.PodUid]) c.Labels[key] = sandbox.Labels[key];
            Directory.CreateDirectory(Path.Combine(sandbox.LogDirectory, Path.GetDirectoryName(c.LogPath)!));
            var id = (await cri.Runtime.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = podId, Config = c, SandboxConfig = sandbox })).ContainerId;
            await cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = id });
            ids.Add(id);
        }
        return (podId, ids);
    }

    public static async Task RemoveAsync(CriChannel cri, string sandboxId)
    {
        await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
    }

    public static async Task<string> IpAsync(CriChannel cri, string sandboxId) =>
        (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = sandboxId })).Status.Network.Ip;

    /// <summary>Polls until <paramref name="condition"/> holds or the deadline passes (this tier may wait on real processes).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(100);
        }
    }
}
