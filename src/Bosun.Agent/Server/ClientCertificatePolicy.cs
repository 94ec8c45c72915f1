using System.Security.Cryptography.X509Certificates;

namespace Bosun.Agent.Server;

/// <summary>Accepts a TLS client certificate only if it chains to the cluster CA and is valid for client auth.</summary>
internal sealed class ClientCertificatePolicy(X509Certificate2 ca, TimeProvider time)
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public bool IsTrusted(X509Certificate2? cert)
    {
        if (cert is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ClientAuthOid));
        return chain.Build(cert);
    }
}
