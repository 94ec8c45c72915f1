using System.Security.Cryptography.X509Certificates;

namespace Bosun.ApiServer.Security;

/// <summary>Verifies that a certificate chains to the cluster CA alone, never to the machine's trust store.</summary>
internal static class CertificateValidation
{
    /// <summary>
    /// True when <paramref name="cert"/> chains to <paramref name="ca"/>, is valid at <paramref name="at"/>, and, when
    /// <paramref name="ekuOid"/> is given, allows that extended key usage. No revocation check: the cluster CA publishes no CRL.
    /// </summary>
    public static bool ChainsTo(X509Certificate2 cert, X509Certificate2 ca, DateTimeOffset at, string? ekuOid)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.Add(ca);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = at.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        if (ekuOid is not null)
        {
            policy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ekuOid));
        }

        try
        {
            if (!chain.Build(cert))
            {
                return false;
            }

            // CustomRootTrust already pins the root, but check it explicitly so a chain through some other anchor can never pass.
            var root = chain.ChainElements[^1].Certificate;
            return root.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, cert) && !ReferenceEquals(element.Certificate, ca))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }
}
