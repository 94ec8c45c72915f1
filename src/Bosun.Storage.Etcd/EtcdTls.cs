using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.Storage.Etcd;

/// <summary>The client side of etcd's TLS: a CA to trust for the members and an optional client certificate.</summary>
internal sealed class EtcdTls
{
    private readonly X509Certificate2Collection? _trusted;

    private EtcdTls(X509Certificate2Collection? trusted, X509Certificate2? clientCertificate)
    {
        _trusted = trusted;
        ClientCertificate = clientCertificate;
    }

    public X509Certificate2? ClientCertificate { get; }

    public static EtcdTls Load(EtcdStoreOptions options)
    {
        if (options.CertFile is null != options.KeyFile is null)
            throw new ArgumentException("--datastore-certfile and --datastore-keyfile go together");
        X509Certificate2Collection? trusted = null;
        if (options.CaFile is not null)
        {
            trusted = [];
            trusted.ImportFromPemFile(options.CaFile);
        }
        var client = options.CertFile is null ? null : LoadClientCertificate(options.CertFile, options.KeyFile!);
        return new EtcdTls(trusted, client);
    }

    /// <summary>With a CA file, the member's chain must end at one of its certificates; without, the system store decides.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_trusted is null || certificate is null)
            return errors == SslPolicyErrors.None;
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(new X509Certificate2(certificate));
    }

    /// <summary>Exported and re-imported so SslStream can use the key on Linux.</summary>
    private static X509Certificate2 LoadClientCertificate(string certFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
