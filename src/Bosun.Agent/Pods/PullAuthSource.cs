using Bosun.Agent.Images;
using Bosun.Client;
using Bosun.Cri.V1;
using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>
/// The credentials to pull a pod's image with (<see cref="PullCredentials"/>): reads the pod's imagePullSecrets from the
/// API; a missing or malformed secret is skipped with the kubelet's FailedToRetrieveImagePullSecret warning.
/// </summary>
internal sealed class PullAuthSource(ApiClient api, RegistriesConfig registries, EventRecorder? events)
{
    public async Task<IReadOnlyList<AuthConfig?>> ForAsync(V1Pod pod, string image, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var credentials = new List<DockerCredential>();
        var missing = new List<string>();
        foreach (var name in (pod.Spec.ImagePullSecrets ?? []).Select(r => r.Name).OfType<string>().Distinct())
        {
            var secret = await api.TryGetAsync<V1Secret>(ns, name, ct);
            try
            {
                if (secret?.Data is null) missing.Add(name);
                else credentials.AddRange(DockerConfigAuths.Parse(secret.Data.AsReadOnly()));
            }
            catch (FormatException)
            {
                missing.Add(name);
            }
        }
        if (missing.Count > 0)
            events?.Record(pod, EventRecorder.Warning, "FailedToRetrieveImagePullSecret",
                $"Unable to retrieve some image pull secrets ({string.Join(", ", missing)}); attempting to pull the image may not succeed.");
        return PullCredentials.For(image, registries, credentials);
    }
}
