using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Security;

/// <summary>
/// Authenticates the TLS client certificate: it must chain to the cluster CA, be valid now and allow client auth.
/// Subject CN becomes the user name and each O a group, as in kube-apiserver's <c>CommonNameUserConversion</c>.
/// </summary>
internal sealed class X509Authenticator : IAuthenticator
{
    /// <summary>
    /// How long a successful verification is reused. An HTTP/2 connection carries many requests with the same certificate and
    /// building an X509Chain for each costs far more than the request itself; validity is still re-checked against NotAfter.
    /// </summary>
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    private const int MaxCacheEntries = 1024;

    private readonly X509Certificate2 _ca;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (UserInfo User, DateTimeOffset Until)> _verified = new(StringComparer.Ordinal);

    /// <summary>The TLS layer accepts any certificate, so this check is the only one; <paramref name="ca"/> is the sole trust anchor.</summary>
    public X509Authenticator(X509Certificate2 ca, TimeProvider time)
    {
        _ca = ca;
        _time = time;
    }

    public UserInfo? Authenticate(HttpContext ctx) => Authenticate(ctx.Connection.ClientCertificate);

    public ValueTask<UserInfo?> AuthenticateAsync(HttpContext ctx) => ValueTask.FromResult(Authenticate(ctx));

    internal UserInfo? Authenticate(X509Certificate2? cert)
    {
        if (cert is null)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var key = Convert.ToHexString(SHA256.HashData(cert.RawDataMemory.Span));
        if (_verified.TryGetValue(key, out var cached) && now < cached.Until)
        {
            return cached.User;
        }

        var user = Verify(cert, now);
        if (user is not null)
        {
            // Only successes are cached, so a flood of bad certificates cannot grow the cache; clearing when full keeps it bounded.
            if (_verified.Count >= MaxCacheEntries)
            {
                _verified.Clear();
            }

            var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime());
            _verified[key] = (user, now + CacheFor < notAfter ? now + CacheFor : notAfter);
        }
        else
        {
            _verified.TryRemove(key, out _);
        }

        return user;
    }

    private UserInfo? Verify(X509Certificate2 cert, DateTimeOffset now)
    {
        if (!CertificateValidation.ChainsTo(cert, _ca, now, SecurityNames.ClientAuthOid))
        {
            return null;
        }

        string? commonName = null;
        var groups = new List<string>();
        foreach (var rdn in cert.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements)
            {
                continue;
            }

            var value = rdn.GetSingleElementValue();
            switch (rdn.GetSingleElementType().Value)
            {
                case SecurityNames.CommonNameOid:
                    commonName ??= value;
                    break;
                case SecurityNames.OrganizationOid when !string.IsNullOrEmpty(value):
                    groups.Add(value);
                    break;
            }
        }

        // kube-apiserver rejects a certificate without a common name rather than inventing a user.
        if (string.IsNullOrEmpty(commonName))
        {
            return null;
        }

        groups.Add(SecurityNames.AuthenticatedGroup);
        return new UserInfo(commonName, "", groups);
    }
}
