using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bosun.Agent.Server;
using Bosun.Cri;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Agent.Tests.Server;

/// <summary>The agent's HTTPS port lets in only client certificates signed by the cluster CA.</summary>
[Trait("Category", "Integration")]
public sealed class AgentServerTlsTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bosun-agent-tls-").FullName;
    private readonly X509Certificate2 _ca = Ca("cluster-ca");
    private readonly X509Certificate2 _otherCa = Ca("someone-else");
    private CriChannel _cri = null!;
    private AgentServer _server = null!;

    public async Task InitializeAsync()
    {
        // Never dialled: these requests do not reach the runtime.
        _cri = CriChannel.ForUnixSocket(Path.Combine(_dir, "no-runtime.sock"));
        _server = await AgentServer.StartAsync(
            new AgentServerOptions { Port = 0, BindAddress = IPAddress.Loopback, ClientCaPem = _ca.ExportCertificatePem() },
            new AgentPaths(_dir), _cri.Runtime, NullLoggerFactory.Instance, TimeProvider.System, default);
    }

    private HttpClient Client(X509Certificate2? cert)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ClientCertificates = cert is null ? null : [cert],
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{_server.Port}") };
    }

    [Fact]
    public async Task A_client_certificate_from_the_cluster_ca_is_let_in()
    {
        using var http = Client(Leaf(_ca, "kube-apiserver-kubelet-client"));
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
        using var unknown = await http.GetAsync("/nothing/here");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_or_none_is_refused_at_the_handshake()
    {
        using var other = Client(Leaf(_otherCa, "intruder"));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => other.GetStringAsync("/healthz"));
        using var none = Client(null);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => none.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Exec_without_an_upgrade_is_a_bad_request()
    {
        using var http = Client(Leaf(_ca, "kube-apiserver-kubelet-client"));
        using var response = await http.GetAsync("/exec/default/p/c?command=ls&stdout=true");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Upgrade request required", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_serving_certificate_is_kept_under_the_data_dir_and_reused()
    {
        var tls = Path.Combine(new AgentPaths(_dir).Root, "tls");
        Assert.True(File.Exists(Path.Combine(tls, "serving.crt")));
        var before = File.ReadAllText(Path.Combine(tls, "serving.crt"));
        using var again = ServingCertificate.LoadOrCreate(tls, "host", [], TimeProvider.System);
        Assert.Equal(before, File.ReadAllText(Path.Combine(tls, "serving.crt")));
    }

    private static X509Certificate2 Ca(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddDays(2));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 Leaf(X509Certificate2 ca, string cn)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={cn}, O=system:masters", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var issued = req.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _cri.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
