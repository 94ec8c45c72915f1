using Bosun.Agent.Volumes;
using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>
/// Stand-in until the volume manager is composed in: pods without volumes run, pods with volumes wait with a clear
/// FailedMount message instead of starting without their data.
/// </summary>
internal sealed class NoVolumes : IVolumeManager
{
    public Task<IReadOnlyDictionary<string, string>> SetUpAsync(V1Pod pod, CancellationToken ct)
    {
        if (pod.Spec.Volumes is { Count: > 0 } volumes)
            throw new VolumeSetupException($"MountVolume.SetUp failed for volume \"{volumes[0].Name}\" : volumes are not supported by this agent build yet");
        return Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
    }

    public Task TearDownAsync(string podUid, CancellationToken ct) => Task.CompletedTask;
}
