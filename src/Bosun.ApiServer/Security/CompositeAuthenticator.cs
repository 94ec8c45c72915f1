using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Security;

/// <summary>Tries each authenticator in order (client certificate first, then token) and returns the first identity found.</summary>
public sealed class CompositeAuthenticator : IAuthenticator
{
    private readonly IAuthenticator[] _authenticators;

    public CompositeAuthenticator(params IEnumerable<IAuthenticator> authenticators)
    {
        _authenticators = authenticators.ToArray();
    }

    /// <summary>
    /// The standard chain: x509 against <paramref name="pki"/>'s CA, then the static tokens in <paramref name="tokenFile"/>,
    /// then whatever else the server adds (service-account JWTs, bootstrap tokens).
    /// </summary>
    public static CompositeAuthenticator Create(ClusterPki pki, string tokenFile, TimeProvider time, params IEnumerable<IAuthenticator> more)
        => new([new X509Authenticator(pki.CaCertificate, time), TokenAuthenticator.FromFile(tokenFile), .. more]);

    public async ValueTask<UserInfo?> AuthenticateAsync(HttpContext ctx)
    {
        foreach (var authenticator in _authenticators)
        {
            if (await authenticator.AuthenticateAsync(ctx).ConfigureAwait(false) is { } user)
            {
                return user;
            }
        }

        return null;
    }
}
