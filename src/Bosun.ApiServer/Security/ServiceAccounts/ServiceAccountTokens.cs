namespace Bosun.ApiServer.Security.ServiceAccounts;

/// <summary>
/// Issues and checks service-account JWTs with one signing key, one issuer and the API server's audiences
/// (kube-apiserver's <c>--service-account-issuer</c> and <c>--api-audiences</c>).
/// </summary>
public sealed class ServiceAccountTokens(ServiceAccountKey key, string issuer, TimeProvider time)
{
    /// <summary>Leeway for clock differences when checking <c>exp</c> and <c>nbf</c>, as Kubernetes' validator allows.</summary>
    internal static readonly TimeSpan Leeway = TimeSpan.FromMinutes(1);

    public string Issuer => issuer;

    /// <summary>What a token is for when the request names no audience: the API server itself.</summary>
    public IReadOnlyList<string> ApiAudiences { get; } = [issuer];

    public TimeProvider Time => time;

    /// <summary>The issuer for a cluster domain: <c>https://kubernetes.default.svc.&lt;domain&gt;</c>, as k3s and kubeadm set it.</summary>
    public static string DefaultIssuer(string clusterDomain) => $"https://kubernetes.default.svc.{clusterDomain}";

    public string Issue(ServiceAccountClaims claims) => Jwt.Sign(claims.ToPayload(), key.Rsa, key.KeyId);

    /// <summary>Claims for a new token, valid from now for <paramref name="lifetime"/>.</summary>
    public ServiceAccountClaims NewClaims(string ns, string name, string uid, IReadOnlyList<string> audiences, TimeSpan lifetime, BoundObject? bound)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        return new ServiceAccountClaims(issuer, audiences, ns, name, uid, bound, now, now + lifetime, Guid.NewGuid().ToString());
    }

    /// <summary>
    /// The claims of a token this server signed, that is current and meant for <paramref name="audiences"/> (any one
    /// of them); null otherwise. Says nothing about whether the service account or bound object still exist.
    /// </summary>
    public ServiceAccountClaims? Validate(string token, IReadOnlyList<string> audiences)
    {
        if (Jwt.Verify(token, key.Rsa) is not { } payload || ServiceAccountClaims.FromPayload(payload) is not { } claims) return null;
        if (claims.Issuer != issuer) return null;
        var now = time.GetUtcNow();
        if (now > claims.Expiry + Leeway) return null;
        if (claims.NotBefore is { } nbf && now + Leeway < nbf) return null;
        return claims.Audiences.Any(audiences.Contains) ? claims : null;
    }
}
