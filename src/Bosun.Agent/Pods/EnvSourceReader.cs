using System.Text;
using Bosun.Client;
using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>Fetches the ConfigMaps and Secrets a container's env names, so <see cref="ContainerEnv"/> can stay pure.</summary>
internal sealed class EnvSourceReader(ApiClient api)
{
    public async Task<EnvSources> ReadAsync(V1Pod pod, V1Container c, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var configMaps = new Dictionary<string, IReadOnlyDictionary<string, string>?>();
        var secrets = new Dictionary<string, IReadOnlyDictionary<string, string>?>();
        var cmNames = (c.EnvFrom ?? []).Select(e => e.ConfigMapRef?.Name).Concat((c.Env ?? []).Select(e => e.ValueFrom?.ConfigMapKeyRef?.Name));
        var secretNames = (c.EnvFrom ?? []).Select(e => e.SecretRef?.Name).Concat((c.Env ?? []).Select(e => e.ValueFrom?.SecretKeyRef?.Name));
        foreach (var name in cmNames.OfType<string>().Distinct())
        {
            var cm = await api.TryGetAsync<V1ConfigMap>(ns, name, ct);
            configMaps[name] = cm is null ? null : (cm.Data ?? new Dictionary<string, string>()).ToDictionary();
        }
        foreach (var name in secretNames.OfType<string>().Distinct())
        {
            var s = await api.TryGetAsync<V1Secret>(ns, name, ct);
            secrets[name] = s is null ? null : (s.Data ?? new Dictionary<string, byte[]>()).ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetString(kv.Value));
        }
        return new EnvSources(configMaps, secrets);
    }
}
