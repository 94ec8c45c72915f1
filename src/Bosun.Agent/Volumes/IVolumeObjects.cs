using k8s.Models;

namespace Bosun.Agent.Volumes;

/// <summary>
/// The API objects volumes are made from. Null means "not found"; other failures throw. Kept small so the volume
/// manager can be tested on a real API server or on fixed objects.
/// </summary>
internal interface IVolumeObjects
{
    Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken ct);

    Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken ct);

    Task<V1PersistentVolumeClaim?> GetClaimAsync(string ns, string name, CancellationToken ct);

    Task<V1PersistentVolume?> GetVolumeAsync(string name, CancellationToken ct);
}

/// <summary>
/// Where service-account tokens for projected volumes come from: the TokenRequest API
/// (<c>POST /api/v1/namespaces/{ns}/serviceaccounts/{sa}/token</c>) bound to the pod.
/// </summary>
internal interface ITokenSource
{
    /// <summary>A token for the pod's service account, bound to the pod, valid for about <paramref name="expirationSeconds"/>.</summary>
    Task<string> GetTokenAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken ct);
}
