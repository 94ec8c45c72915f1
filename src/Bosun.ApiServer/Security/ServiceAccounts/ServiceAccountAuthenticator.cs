using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Bosun.ApiServer.Security.ServiceAccounts;

/// <summary>Reads the objects a token names; null when absent. The API server reads its own store.</summary>
public interface IObjectLookup
{
    /// <summary><paramref name="resource"/> is a core/v1 resource (<c>serviceaccounts</c>, <c>pods</c>, <c>secrets</c>, <c>nodes</c>).</summary>
    Task<JsonObject?> GetAsync(string resource, string? ns, string name, CancellationToken ct);
}

/// <summary>
/// Authenticates bearer service-account JWTs: signature, issuer, expiry and audience via <see cref="ServiceAccountTokens"/>,
/// then — as kube-apiserver's legacy validator does — the service account must still exist with the token's uid, and a
/// bound Pod or Secret too (a pod being deleted past its deletion time no longer counts).
/// The user is <c>system:serviceaccount:ns:name</c> in <c>system:serviceaccounts</c> and <c>system:serviceaccounts:ns</c>.
/// </summary>
public sealed class ServiceAccountAuthenticator(ServiceAccountTokens tokens, IObjectLookup objects) : IAuthenticator
{
    public const string ServiceAccountsGroup = "system:serviceaccounts";

    public async ValueTask<UserInfo?> AuthenticateAsync(HttpContext ctx)
    {
        var token = TokenAuthenticator.ExtractBearer(ctx.Request.Headers[HeaderNames.Authorization]);
        if (token is null || !Jwt.LooksLikeJwt(token)) return null;
        return await AuthenticateAsync(token, ctx.RequestAborted).ConfigureAwait(false);
    }

    internal async Task<UserInfo?> AuthenticateAsync(string token, CancellationToken ct)
    {
        if (tokens.Validate(token, tokens.ApiAudiences) is not { } claims) return null;
        var sa = await objects.GetAsync("serviceaccounts", claims.Namespace, claims.ServiceAccountName, ct).ConfigureAwait(false);
        if (sa is null || Uid(sa) != claims.ServiceAccountUid || Deleted(sa)) return null;
        if (claims.Bound is { } bound)
        {
            var resource = bound.Kind switch { "Pod" => "pods", "Secret" => "secrets", "Node" => "nodes", _ => null };
            if (resource is null) return null;
            var obj = await objects.GetAsync(resource, resource == "nodes" ? null : claims.Namespace, bound.Name, ct).ConfigureAwait(false);
            if (obj is null || Uid(obj) != bound.Uid || Deleted(obj)) return null;
        }

        return UserFor(claims);
    }

    internal static UserInfo UserFor(ServiceAccountClaims claims) => new(claims.Subject, claims.ServiceAccountUid,
        [ServiceAccountsGroup, $"{ServiceAccountsGroup}:{claims.Namespace}", SecurityNames.AuthenticatedGroup])
    {
        Extra = claims.Bound is { Kind: "Pod" } pod
            ? new Dictionary<string, IReadOnlyList<string>>
            {
                ["authentication.kubernetes.io/pod-name"] = [pod.Name],
                ["authentication.kubernetes.io/pod-uid"] = [pod.Uid],
            }
            : null,
    };

    private static string? Uid(JsonObject o) => o.Obj("metadata").Str("uid");

    /// <summary>An object whose deletion time has passed is gone for authentication, even while finalizers hold it.</summary>
    private bool Deleted(JsonObject o) =>
        o.Obj("metadata").Str("deletionTimestamp") is { } ts && DateTimeOffset.TryParse(ts, System.Globalization.CultureInfo.InvariantCulture, out var t)
        && t < tokens.Time.GetUtcNow();
}
