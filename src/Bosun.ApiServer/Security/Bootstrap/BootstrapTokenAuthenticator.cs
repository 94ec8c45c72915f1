using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Security.ServiceAccounts;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Bosun.ApiServer.Security.Bootstrap;

/// <summary>
/// Authenticates bootstrap tokens (kube-apiserver's <c>--enable-bootstrap-token-auth</c>): the Secret
/// <c>kube-system/bootstrap-token-&lt;id&gt;</c> must exist, be of the bootstrap type, allow authentication, not be
/// expired or being deleted, and hold the same secret. The user is <c>system:bootstrap:&lt;id&gt;</c> in
/// <c>system:bootstrappers</c> plus the Secret's <c>auth-extra-groups</c>.
/// </summary>
public sealed class BootstrapTokenAuthenticator(IObjectLookup objects, TimeProvider time) : IAuthenticator
{
    public async ValueTask<UserInfo?> AuthenticateAsync(HttpContext ctx)
    {
        var token = TokenAuthenticator.ExtractBearer(ctx.Request.Headers[HeaderNames.Authorization]);
        if (token is null || BootstrapToken.Parse(token) is not { } parsed) return null;
        var secret = await objects.GetAsync("secrets", BootstrapToken.Namespace, BootstrapToken.SecretPrefix + parsed.Id, ctx.RequestAborted).ConfigureAwait(false);
        return secret is null ? null : Check(secret, parsed.Id, parsed.Secret, time.GetUtcNow());
    }

    /// <summary>The pure part: what a Secret says about a presented id and secret at <paramref name="now"/>.</summary>
    internal static UserInfo? Check(JsonObject secret, string id, string presented, DateTimeOffset now)
    {
        if (secret.Str("type") != BootstrapToken.SecretType || secret.Obj("metadata")?["deletionTimestamp"] is not null) return null;
        var data = secret.Obj("data");
        string? Field(string key) => data.Str(key) is { } b64 && TryDecode(b64) is { } s ? s : null;
        if (Field("token-id") != id || Field("usage-bootstrap-authentication") != "true") return null;
        var stored = Field("token-secret");
        if (stored is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(stored), Encoding.UTF8.GetBytes(presented))) return null;
        if (Field("expiration") is { } exp && (!DateTimeOffset.TryParse(exp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until) || now >= until))
            return null;
        var groups = new List<string> { BootstrapToken.Group };
        foreach (var g in (Field("auth-extra-groups") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (g.StartsWith("system:bootstrappers:", StringComparison.Ordinal) && !groups.Contains(g)) groups.Add(g);
        groups.Add(SecurityNames.AuthenticatedGroup);
        return new UserInfo(BootstrapToken.UserPrefix + id, "", groups);
    }

    private static string? TryDecode(string b64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(b64));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
