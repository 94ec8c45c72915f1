using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.Client;

/// <summary>
/// How Bosun's clients check an API server's certificate: against the cluster CA they were given, never the system's
/// roots, without revocation checks (the cluster CA publishes no CRL).
/// </summary>
public static class ServerTrust
{
    /// <summary>The certificate names the host that was asked for and chains to one of <paramref name="roots"/>.</summary>
    public static bool Accepts(X509Certificate? cert, SslPolicyErrors errors, X509Certificate2Collection roots) =>
        cert is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && ChainsTo(cert, roots);

    public static bool Accepts(X509Certificate? cert, SslPolicyErrors errors, X509Certificate2 root) => Accepts(cert, errors, [root]);

    /// <summary>The certificate chains to one of <paramref name="roots"/>, whatever name it carries (pinned connections).</summary>
    public static bool ChainsTo(X509Certificate cert, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
        if (!chain.Build(leaf)) return false;
        var root = chain.ChainElements[^1].Certificate.RawData;
        return roots.Any(r => r.RawData.AsSpan().SequenceEqual(root));
    }

    public static bool ChainsTo(X509Certificate cert, X509Certificate2 root) => ChainsTo(cert, [root]);
}
