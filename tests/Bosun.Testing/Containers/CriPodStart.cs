using System.Diagnostics;
using Bosun.Cri.V1;

namespace Bosun.Testing.Containers;

/// <summary>
/// Raw CRI pod start, the reference the agent's pod-start latency is divided by (issue 5): RunPodSandbox →
/// CreateContainer (busybox <c>sleep</c>, image present) → StartContainer → ContainerStatus polled every 5 ms until
/// RUNNING. Pods are started one after another and left running, as a 30-replica workload would be, then removed.
/// </summary>
public static class CriPodStart
{
    public sealed record Result(IReadOnlyList<TimeSpan> StartTimes, TimeSpan Teardown);

    public static async Task<Result> MeasureAsync(ContainerdFixture containerd, int pods, CancellationToken ct = default)
    {
        var times = new List<TimeSpan>();
        var sandboxes = new List<string>();
        var teardown = TimeSpan.Zero;
        try
        {
            for (var i = 0; i < pods; i++)
            {
                var (took, podId) = await StartOneAsync(containerd, $"start-{i}", ct);
                sandboxes.Add(podId);
                times.Add(took);
            }
        }
        finally
        {
            teardown = await RemoveAsync(containerd, sandboxes);
        }
        return new Result(times, teardown);
    }

    /// <summary>
    /// Starts one pod (sandbox + busybox sleep) and returns how long until its container was RUNNING, and the sandbox id.
    /// <paramref name="step"/>, when given, hears how long each call took (run-sandbox, create-container, start-container, running).
    /// </summary>
    public static async Task<(TimeSpan Took, string SandboxId)> StartOneAsync(ContainerdFixture containerd, string name, CancellationToken ct = default,
        Action<string, TimeSpan>? step = null)
    {
        var cri = containerd.Cri;
        var uid = Guid.NewGuid().ToString();
        var sandbox = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = "bench", Uid = uid },
            Hostname = name,
            LogDirectory = containerd.LogDir(uid),
            Labels = { ["io.kubernetes.pod.name"] = name, ["io.kubernetes.pod.namespace"] = "bench", ["io.kubernetes.pod.uid"] = uid },
            Linux = new LinuxPodSandboxConfig { CgroupParent = containerd.CgroupParent(uid) },
        };
        Directory.CreateDirectory(Path.Combine(sandbox.LogDirectory, "sleeper"));
        var container = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = "sleeper" },
            Image = new ImageSpec { Image = TestImages.Busybox },
            Command = { "sleep", "3600" },
            LogPath = "sleeper/0.log",
        };

        var watch = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        void Mark(string what)
        {
            var now = watch.Elapsed;
            step?.Invoke(what, now - last);
            last = now;
        }
        var podId = (await cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = sandbox }, cancellationToken: ct)).PodSandboxId;
        Mark("run-sandbox");
        try
        {
            var id = (await cri.Runtime.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = podId, Config = container, SandboxConfig = sandbox }, cancellationToken: ct)).ContainerId;
            Mark("create-container");
            await cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = id }, cancellationToken: ct);
            Mark("start-container");
            while ((await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id }, cancellationToken: ct)).Status.State != ContainerState.ContainerRunning)
                await Task.Delay(5, ct);
            Mark("running");
        }
        catch
        {
            await RemoveAsync(containerd, [podId]);
            throw;
        }
        return (watch.Elapsed, podId);
    }

    /// <summary>Stops and removes the sandboxes, 4 at a time; returns how long it took.</summary>
    public static async Task<TimeSpan> RemoveAsync(ContainerdFixture containerd, IEnumerable<string> sandboxes)
    {
        var cri = containerd.Cri;
        var removing = Stopwatch.StartNew();
        await Parallel.ForEachAsync(sandboxes, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (id, _) =>
        {
            await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = id });
            await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = id });
        });
        return removing.Elapsed;
    }
}
