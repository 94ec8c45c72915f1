using Bosun.Client;
using k8s.Models;

namespace Bosun.Agent.Volumes;

/// <summary>Reads volume objects straight from the API server (one GET each), as the kubelet's "Get" change-detection strategy.</summary>
internal sealed class ApiVolumeObjects(ApiClient api) : IVolumeObjects, ITokenSource
{
    public Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken ct) => api.TryGetAsync<V1ConfigMap>(ns, name, ct);

    public Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken ct) => api.TryGetAsync<V1Secret>(ns, name, ct);

    public Task<V1PersistentVolumeClaim?> GetClaimAsync(string ns, string name, CancellationToken ct) =>
        api.TryGetAsync<V1PersistentVolumeClaim>(ns, name, ct);

    public Task<V1PersistentVolume?> GetVolumeAsync(string name, CancellationToken ct) => api.TryGetAsync<V1PersistentVolume>(null, name, ct);

    /// <summary>
    /// TokenRequest bound to the pod. Until the API server serves <c>serviceaccounts/token</c> this fails with its
    /// 404, which the volume manager reports as a set-up error (the pod waits and is retried).
    /// </summary>
    public async Task<string> GetTokenAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken ct)
    {
        var request = new Authenticationv1TokenRequest
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenRequest",
            Spec = new V1TokenRequestSpec
            {
                Audiences = audience is { Length: > 0 } a ? [a] : [],
                ExpirationSeconds = expirationSeconds,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid },
            },
        };
        var sa = pod.Spec.ServiceAccountName is { Length: > 0 } s ? s : "default";
        var answer = await api.PostSubresourceAsync<V1ServiceAccount, Authenticationv1TokenRequest>(pod.Metadata.NamespaceProperty, sa, "token", request, ct);
        return answer.Status?.Token ?? throw new VolumeSetupException($"TokenRequest for serviceaccount {pod.Metadata.NamespaceProperty}/{sa} returned no token");
    }
}
