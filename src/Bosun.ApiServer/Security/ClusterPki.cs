using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.ApiServer.Security;

/// <summary>
/// The cluster's certificate authorities and the leaf certificates the API server holds, kept as PEM files in one
/// directory (<c>&lt;data-dir&gt;/server/tls/</c>; the table in Security/README.md lists them). Leaves are renewed
/// when <see cref="RenewBefore"/> or less of their life is left, on start and whenever <see cref="Refresh"/> runs
/// (the <see cref="CertificateRotation"/> loop), and readers always see the current one, so a running server swaps
/// certificates without a restart.
/// </summary>
public sealed class ClusterPki : IDisposable
{
    public const string CaCertFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    public const string ServingCertFile = "serving.crt";
    public const string ServingKeyFile = "serving.key";
    public const string AdminCertFile = "admin.crt";
    public const string AdminKeyFile = "admin.key";
    public const string AgentCaCertFile = "agent-ca.crt";
    public const string AgentCaKeyFile = "agent-ca.key";
    public const string KubeletClientCertFile = "apiserver-kubelet-client.crt";
    public const string KubeletClientKeyFile = "apiserver-kubelet-client.key";
    public const string EtcdServerCaCertFile = "etcd/server-ca.crt";
    public const string EtcdServerCaKeyFile = "etcd/server-ca.key";
    public const string EtcdPeerCaCertFile = "etcd/peer-ca.crt";
    public const string EtcdPeerCaKeyFile = "etcd/peer-ca.key";

    /// <summary>CA files besides the cluster CA that every server of a cluster must share (relative to the tls directory).</summary>
    public static readonly IReadOnlyList<string> SharedCaFiles =
        [AgentCaCertFile, AgentCaKeyFile, EtcdServerCaCertFile, EtcdServerCaKeyFile, EtcdPeerCaCertFile, EtcdPeerCaKeyFile];

    public static readonly TimeSpan CaValidity = TimeSpan.FromDays(3650);
    public static readonly TimeSpan LeafValidity = TimeSpan.FromDays(365);

    /// <summary>Leaves with less life left than this are renewed (k3s's 90 days of a 1-year certificate).</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(90);

    private readonly X509Certificate2 _caWithKey;
    private readonly X509Certificate2 _agentCaWithKey;
    private readonly TimeProvider _time;
    private readonly LeafSlot _serving, _admin, _kubeletClient;

    private ClusterPki(string dir, X509Certificate2 caWithKey, X509Certificate2 agentCaWithKey, ServingNames names, TimeProvider time)
    {
        Directory = dir;
        _caWithKey = caWithKey;
        _agentCaWithKey = agentCaWithKey;
        _time = time;
        CaCertificate = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        CaPem = CertificateFactory.CertificatePem(caWithKey);
        AgentCaCertificate = X509CertificateLoader.LoadCertificate(agentCaWithKey.RawData);
        AgentCaPem = CertificateFactory.CertificatePem(agentCaWithKey);
        _serving = new LeafSlot(ServingCertFile, ServingKeyFile, caWithKey, SecurityNames.ServerAuthOid,
            now => CertificateFactory.CreateServing(caWithKey, names.DnsNames, names.Addresses, now, LeafValidity), names.AreCoveredBy);
        _admin = new LeafSlot(AdminCertFile, AdminKeyFile, caWithKey, SecurityNames.ClientAuthOid,
            now => CertificateFactory.CreateClient(caWithKey, SecurityNames.AdminUser, [SecurityNames.MastersGroup], now, LeafValidity), null);
        _kubeletClient = new LeafSlot(KubeletClientCertFile, KubeletClientKeyFile, agentCaWithKey, SecurityNames.ClientAuthOid,
            now => CertificateFactory.CreateClient(agentCaWithKey, KubeletClientUser, [SecurityNames.MastersGroup], now, LeafValidity), null);
    }

    /// <summary>CN of the API server's client certificate to node agents (kubeadm's <c>apiserver-kubelet-client</c>).</summary>
    public const string KubeletClientUser = "kube-apiserver-kubelet-client";

    /// <summary>The directory holding the PEM files.</summary>
    public string Directory { get; }

    /// <summary>The cluster CA certificate without its private key; the trust anchor for API clients and the serving certificate.</summary>
    public X509Certificate2 CaCertificate { get; }

    /// <summary>The CA certificate as PEM, for kubeconfig <c>certificate-authority-data</c> and the <c>kube-root-ca.crt</c> ConfigMap.</summary>
    public string CaPem { get; }

    /// <summary>
    /// The agent-traffic CA (kubeadm's front-proxy CA in role): it signs only the API server's client certificate to the
    /// agents' streaming ports, so agents that trust it admit nothing else the cluster CA signs (node or user certificates).
    /// </summary>
    public X509Certificate2 AgentCaCertificate { get; }

    public string AgentCaPem { get; }

    /// <summary>The current API serving certificate with its private key; renewed in place by <see cref="Refresh"/>.</summary>
    public X509Certificate2 ServingCertificate => _serving.Current;

    /// <summary>The current admin client certificate (CN <c>system:admin</c>, O <c>system:masters</c>) with its private key.</summary>
    public X509Certificate2 AdminCertificate => _admin.Current;

    /// <summary>The current client certificate to node agents, from the agent CA.</summary>
    public X509Certificate2 KubeletClientCertificate => _kubeletClient.Current;

    /// <summary>PEM of <see cref="AdminCertificate"/>, for kubeconfig <c>client-certificate-data</c>.</summary>
    public string AdminCertificatePem => CertificateFactory.CertificatePem(AdminCertificate);

    /// <summary>PKCS#8 PEM of the admin private key, for kubeconfig <c>client-key-data</c>.</summary>
    public string AdminKeyPem => CertificateFactory.KeyPem(AdminCertificate);

    /// <summary>
    /// Loads the PKI from <paramref name="dir"/>, creating what is missing. A CA is created only when its certificate or key
    /// is missing or unreadable (a data dir from before the agent and etcd CAs gets them here; the existing CA and leaves
    /// stay). A leaf is reissued when it is missing, does not chain to its CA, has less than <see cref="RenewBefore"/> left,
    /// or (the serving certificate) lacks a SAN now required by <paramref name="options"/> or the host's addresses.
    /// </summary>
    public static ClusterPki LoadOrCreate(string dir, PkiOptions options, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);

        SecureFiles.EnsureDirectory(dir);
        var now = time.GetUtcNow();
        var ca = LoadOrCreateCa(dir, CaCertFile, CaKeyFile, "bosun-ca", now);
        var agentCa = LoadOrCreateCa(dir, AgentCaCertFile, AgentCaKeyFile, "bosun-agent-ca", now);
        LoadOrCreateCa(dir, EtcdServerCaCertFile, EtcdServerCaKeyFile, "bosun-etcd-server-ca", now).Dispose();
        LoadOrCreateCa(dir, EtcdPeerCaCertFile, EtcdPeerCaKeyFile, "bosun-etcd-peer-ca", now).Dispose();
        var pki = new ClusterPki(dir, ca, agentCa, ServingNames.Compute(options), time);
        pki.Refresh();
        return pki;
    }

    /// <summary>Loads the CA in <paramref name="certFile"/>/<paramref name="keyFile"/> under <paramref name="dir"/>, creating a 10-year one when missing.</summary>
    public static X509Certificate2 LoadOrCreateCa(string dir, string certFile, string keyFile, string commonName, DateTimeOffset now)
    {
        var ca = CertificateFactory.TryLoad(Path.Combine(dir, certFile), Path.Combine(dir, keyFile));
        if (ca is not null) return ca;
        ca = CertificateFactory.CreateCa(commonName, now, CaValidity);
        Save(dir, certFile, keyFile, ca);
        return ca;
    }

    /// <summary>
    /// Brings every leaf up to date: picks up files replaced on disk (<c>bosun certificate rotate</c>) and renews what is due.
    /// Returns the file names of the leaves that changed. Safe to call concurrently with readers.
    /// </summary>
    public IReadOnlyList<string> Refresh()
    {
        var now = _time.GetUtcNow();
        var changed = new List<string>();
        foreach (var slot in new[] { _serving, _admin, _kubeletClient })
        {
            if (slot.Refresh(Directory, now)) changed.Add(slot.CertFile);
        }
        return changed;
    }

    /// <summary>Reissues the named leaves now (<c>bosun certificate rotate</c>), whatever their age; unknown names are ignored.</summary>
    public void Renew(IEnumerable<string> certFiles)
    {
        var now = _time.GetUtcNow();
        foreach (var slot in new[] { _serving, _admin, _kubeletClient })
        {
            if (certFiles.Contains(slot.CertFile)) slot.Reissue(Directory, now);
        }
    }

    /// <summary>
    /// Issues a client certificate (CN = user, O = groups) signed by the cluster CA, e.g. for a node agent.
    /// Nothing is written to disk; the caller owns the returned certificate, which carries its private key.
    /// </summary>
    public X509Certificate2 IssueClientCertificate(string user, IEnumerable<string> groups, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        return CertificateFactory.CreateClient(_caWithKey, user, groups, _time.GetUtcNow(), validity);
    }

    /// <summary>
    /// Signs a PKCS#10 request (PEM) as a client certificate of the cluster CA, keeping only its subject and public key:
    /// extensions are Bosun's own (client auth), so a request cannot ask for a CA or server certificate.
    /// Throws <see cref="CryptographicException"/> or <see cref="ArgumentException"/> for a malformed or unsigned request.
    /// </summary>
    public X509Certificate2 SignClientRequest(string requestPem, TimeSpan validity)
    {
        var request = CertificateRequest.LoadSigningRequestPem(requestPem, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Clear();
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(SecurityNames.ClientAuthOid)], false));
        var now = _time.GetUtcNow();
        var notAfter = now + validity < _caWithKey.NotAfter ? now + validity : new DateTimeOffset(_caWithKey.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return request.Create(_caWithKey, now.AddMinutes(-5), notAfter, serial);
    }

    /// <summary>The certificate as PEM; pairs with <see cref="ExportKeyPem"/> for kubeconfigs of issued certificates.</summary>
    public static string ExportCertificatePem(X509Certificate2 cert) => CertificateFactory.CertificatePem(cert);

    /// <summary>The certificate's ECDSA private key as PKCS#8 PEM.</summary>
    public static string ExportKeyPem(X509Certificate2 cert) => CertificateFactory.KeyPem(cert);

    public void Dispose()
    {
        _caWithKey.Dispose();
        _agentCaWithKey.Dispose();
        CaCertificate.Dispose();
        AgentCaCertificate.Dispose();
    }

    /// <summary>Writes the key before the certificate, so a crash in between leaves a cert/key mismatch that the next start repairs.</summary>
    internal static void Save(string dir, string certFile, string keyFile, X509Certificate2 cert)
    {
        SecureFiles.WriteAllText(Path.Combine(dir, keyFile), CertificateFactory.KeyPem(cert), SecureFiles.Private);
        SecureFiles.WriteAllText(Path.Combine(dir, certFile), CertificateFactory.CertificatePem(cert), SecureFiles.Public);
    }
}
