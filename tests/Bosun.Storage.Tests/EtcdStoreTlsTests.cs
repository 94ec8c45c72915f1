using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Bosun.Storage.Etcd;
using Bosun.Testing.Etcd;

namespace Bosun.Storage.Tests;

/// <summary><see cref="EtcdStore"/> against an etcd that serves https and requires client certificates (--datastore-cafile/certfile/keyfile).</summary>
[Trait("Category", "Integration")]
public sealed class EtcdStoreTlsTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private EtcdCluster _etcd = null!;
    private TestPki _pki = null!;

    public async Task InitializeAsync()
    {
        _pki = TestPki.Create(_directory);
        _etcd = await EtcdCluster.StartAsync(1, null, false, new EtcdTlsFiles(_pki.CaFile, _pki.ServerCertFile, _pki.ServerKeyFile));
    }

    public async Task DisposeAsync()
    {
        await _etcd.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Store_WithCaAndClientCertificate_WritesReadsAndWatchesOverHttps()
    {
        await using var store = await EtcdStore.OpenAsync(Options(_pki.ClientCertFile, _pki.ClientKeyFile, TimeSpan.FromSeconds(30)));

        var revision = await store.CreateAsync("/tls/a", Encoding.UTF8.GetBytes("1"), default);
        await using var watch = store.WatchAsync("/tls/", revision - 1, default).GetAsyncEnumerator();

        Assert.Equal("1", Encoding.UTF8.GetString((await store.GetAsync("/tls/a", default))!.Value.Span));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(revision, watch.Current.Revision);
        Assert.StartsWith("https://", _etcd.Endpoints);
    }

    [Fact]
    public async Task Store_WithoutClientCertificate_IsRefusedAsUnavailable()
    {
        var error = await Assert.ThrowsAsync<StorageException>(() => EtcdStore.OpenAsync(Options(null, null, TimeSpan.FromSeconds(2))));

        Assert.Equal(StorageErrorKind.Unavailable, error.Kind);
    }

    private EtcdStoreOptions Options(string? cert, string? key, TimeSpan unavailable) => new()
    {
        Endpoints = _etcd.EndpointUris,
        CaFile = _pki.CaFile,
        CertFile = cert,
        KeyFile = key,
        UnavailableTimeout = unavailable,
        RequestTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>A throwaway CA with a serving certificate for 127.0.0.1 and a client certificate, as PEM files.</summary>
    private sealed record TestPki(string CaFile, string ServerCertFile, string ServerKeyFile, string ClientCertFile, string ClientKeyFile)
    {
        public static TestPki Create(TempDirectory directory)
        {
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=test-etcd-ca", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            // The CA outlives its leaves (issued a moment later for a day): a leaf may not end after its issuer.
            using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
            var caFile = Write(directory, "ca.crt", ca.ExportCertificatePem());
            var (serverCert, serverKey) = Issue(directory, ca, "server", serverAuth: true);
            var (clientCert, clientKey) = Issue(directory, ca, "client", serverAuth: false);
            return new TestPki(caFile, serverCert, serverKey, clientCert, clientKey);
        }

        private static (string Cert, string Key) Issue(TempDirectory directory, X509Certificate2 ca, string name, bool serverAuth)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
            if (serverAuth)
            {
                var san = new SubjectAlternativeNameBuilder();
                san.AddIpAddress(IPAddress.Loopback);
                request.CertificateExtensions.Add(san.Build());
            }
            var serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7f;
            using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
            return (Write(directory, $"{name}.crt", cert.ExportCertificatePem()), Write(directory, $"{name}.key", key.ExportPkcs8PrivateKeyPem()));
        }

        private static string Write(TempDirectory directory, string name, string pem)
        {
            var path = directory.File(name);
            File.WriteAllText(path, pem);
            return path;
        }
    }
}
