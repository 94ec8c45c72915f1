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

    /// <summary>The standard chain: x509 against <paramref name="pki"/>'s CA, then the static tokens in <paramref name="tokenFile"/>.</summary>
    public static CompositeAuthenticator Create(ClusterPki pki, string tokenFile, TimeProvider time)
        => new(new X509Authenticator(pki.CaCertificate, time), TokenAuthenticator.FromFile(tokenFile));

    public UserInfo? Authenticate(HttpContext ctx)
    {
        foreach (var authenticator in _authenticators)
        {
            if (authenticator.Authenticate(ctx) is { } user)
            {
                return user;
            }
        }

        return null;
    }
}
