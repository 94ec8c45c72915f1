using Bosun.Agent;
using Bosun.Agent.Volumes;
using k8s.Models;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>The smallest volume manager the pod tests need: emptyDir directories under the pod's dir, nothing else.</summary>
internal sealed class EmptyDirVolumes(AgentPaths paths) : IVolumeManager
{
    public Task<IReadOnlyDictionary<string, string>> SetUpAsync(V1Pod pod, CancellationToken ct)
    {
        var result = new Dictionary<string, string>();
        foreach (var v in pod.Spec.Volumes ?? [])
        {
            if (v.EmptyDir is null) throw new VolumeSetupException($"volume \"{v.Name}\": only emptyDir is supported in these tests");
            var dir = Path.Combine(paths.PodDir(pod.Metadata.Uid), "volumes", "kubernetes.io~empty-dir", v.Name);
            Directory.CreateDirectory(dir);
            result[v.Name] = dir;
        }
        return Task.FromResult<IReadOnlyDictionary<string, string>>(result);
    }

    public Task TearDownAsync(string podUid, CancellationToken ct)
    {
        var dir = Path.Combine(paths.PodDir(podUid), "volumes");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        return Task.CompletedTask;
    }
}
