using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Security;

/// <summary>
/// Authenticates the TLS client certificate: it must chain to the cluster CA, be valid now and allow client auth.
/// Subject CN becomes the user name and each O a group, as in kube-apiserver's <c>CommonNameUserConversion</c>.
/// </summary>
internal sealed class X509Authenticator : IAuthenticator
{
    private readonly X509Certificate2 _ca;
    private readonly TimeProvider _time;

    /// <summary>The TLS layer accepts any certificate, so this check is the only one; <paramref name="ca"/> is the sole trust anchor.</summary>
    public X509Authenticator(X509Certificate2 ca, TimeProvider time)
    {
        _ca = ca;
        _time = time;
    }

    public UserInfo? Authenticate(HttpContext ctx) => Authenticate(ctx.Connection.ClientCertificate);

    internal UserInfo? Authenticate(X509Certificate2? cert)
    {
        if (cert is null || !CertificateValidation.ChainsTo(cert, _ca, _time.GetUtcNow(), SecurityNames.ClientAuthOid))
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
