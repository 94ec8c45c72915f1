using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Bosun.ApiServer.Security;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Tests.Security;

/// <summary>
/// Real Kestrel on 127.0.0.1:0 with the cluster PKI, reached by HttpClient, KubernetesClient and (when installed) kubectl 1.32.
/// </summary>
public sealed class HttpsEndToEndTests : IAsyncLifetime
{
    private const string Kubectl132 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

    private readonly TempDirectory _dir = new();
    private ClusterPki _pki = null!;
    private ClusterPki _foreign = null!;
    private string _token = null!;
    private WebApplication _app = null!;
    private Uri _baseUri = null!;

    public async Task InitializeAsync()
    {
        var options = new PkiOptions { IncludeHostAddresses = false };
        _pki = ClusterPki.LoadOrCreate(_dir.Combine("tls"), options, TimeProvider.System);
        _foreign = ClusterPki.LoadOrCreate(_dir.Combine("foreign"), options, TimeProvider.System);
        var tokenFile = _dir.Combine("token");
        _token = TokenFile.EnsureAdminToken(tokenFile);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => KestrelHttps.Configure(o, IPAddress.Loopback, 0, _pki));
        _app = builder.Build();
        _app.UseBosunAuthentication(CompositeAuthenticator.Create(_pki, tokenFile, TimeProvider.System));
        _app.MapGet("/livez", () => "ok");
        _app.MapGet("/version", () => Results.Json(new { major = "1", minor = "32", gitVersion = "v1.32.4" }));
        _app.MapGet("/whoami", (HttpContext ctx) => Results.Json(new
        {
            name = ctx.GetUser()!.Name,
            groups = ctx.GetUser()!.Groups,
            protocol = ctx.Request.Protocol,
        }));
        _app.MapGet("/api/v1/namespaces", (HttpContext ctx) => Results.Json(new
        {
            kind = "NamespaceList",
            apiVersion = "v1",
            metadata = new { resourceVersion = "1" },
            items = new[] { new { metadata = new { name = ctx.GetUser()!.Name.Replace(':', '-') } } },
        }));
        await _app.StartAsync();
        _baseUri = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _pki.Dispose();
        _foreign.Dispose();
        _dir.Dispose();
    }

    private HttpClient Client(X509Certificate2? clientCert = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Validate the server as kubectl does with certificate-authority-data: only the cluster CA, name must match.
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { _pki.CaCertificate },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
                ClientCertificates = clientCert is null ? null : new X509CertificateCollection { clientCert },
                LocalCertificateSelectionCallback = clientCert is null ? null : (_, _, _, _, _) => clientCert,
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = _baseUri,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    private sealed record WhoAmI(string Name, string[] Groups, string Protocol);

    [Fact]
    public async Task Https_AdminClientCertOverHttp2_AuthenticatesSystemAdmin()
    {
        using var client = Client(_pki.AdminCertificate);

        using var response = await client.GetAsync("/whoami");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        var me = await response.Content.ReadFromJsonAsync<WhoAmI>();
        Assert.Equal("system:admin", me!.Name);
        Assert.Equal(["system:masters", "system:authenticated"], me.Groups);
    }

    [Fact]
    public async Task Https_BearerTokenWithoutCert_AuthenticatesSystemAdmin()
    {
        using var client = Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", _token);

        var me = await client.GetFromJsonAsync<WhoAmI>("/whoami");

        Assert.Equal("system:admin", me!.Name);
    }

    [Fact]
    public async Task Https_Http11Request_IsServed()
    {
        using var client = Client(_pki.AdminCertificate);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami") { Version = HttpVersion.Version11 };
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("HTTP/1.1", (await response.Content.ReadFromJsonAsync<WhoAmI>())!.Protocol);
    }

    [Fact]
    public async Task Https_ForeignClientCert_Gets401Status()
    {
        using var client = Client(_foreign.AdminCertificate);

        using var response = await client.GetAsync("/whoami");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"reason\":\"Unauthorized\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_NoCredentials_LivezAndVersionAllowedOthers401()
    {
        using var client = Client();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/livez")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/version")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/whoami")).StatusCode);
    }

    [Fact]
    public async Task Https_Tls11Client_CannotConnect()
    {
#pragma warning disable SYSLIB0039 // TLS 1.1 on purpose: the server must refuse it.
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls11,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        };
#pragma warning restore SYSLIB0039
        using var client = new HttpClient(handler) { BaseAddress = _baseUri };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/livez"));
    }

    [Fact]
    public async Task KubernetesClient_GeneratedKubeconfig_ListsNamespacesAsAdmin()
    {
        var path = _dir.Combine("admin.kubeconfig");
        KubeconfigWriter.Write(path, _baseUri.ToString().TrimEnd('/'), _pki.CaPem, _pki.AdminCertificatePem, _pki.AdminKeyPem);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));

        var list = await client.CoreV1.ListNamespaceAsync();

        Assert.Equal("system-admin", Assert.Single(list.Items).Metadata.Name);
    }

    [Fact]
    public async Task Kubectl132_CertAndTokenKubeconfigs_AuthenticateAsAdmin()
    {
        if (!File.Exists(Kubectl132))
        {
            return;
        }

        var server = _baseUri.ToString().TrimEnd('/');
        var certConfig = _dir.Combine("cert.kubeconfig");
        var tokenConfig = _dir.Combine("token.kubeconfig");
        KubeconfigWriter.Write(certConfig, server, _pki.CaPem, _pki.AdminCertificatePem, _pki.AdminKeyPem);
        KubeconfigWriter.WriteWithToken(tokenConfig, server, _pki.CaPem, _token);

        foreach (var config in new[] { certConfig, tokenConfig })
        {
            var (exit, stdout, stderr) = await RunKubectl("--kubeconfig", config, "--cache-dir", _dir.Combine("cache"), "get", "--raw", "/whoami");
            Assert.True(exit == 0, stderr);
            Assert.Contains("\"name\":\"system:admin\"", stdout, StringComparison.Ordinal);
            Assert.Contains("HTTP/2", stdout, StringComparison.Ordinal);
        }

        var wrong = _dir.Combine("wrong.kubeconfig");
        KubeconfigWriter.WriteWithToken(wrong, server, _pki.CaPem, "nope");
        var (wrongExit, _, wrongErr) = await RunKubectl("--kubeconfig", wrong, "--cache-dir", _dir.Combine("cache"), "get", "--raw", "/whoami");
        Assert.NotEqual(0, wrongExit);
        Assert.Contains("Unauthorized", wrongErr, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunKubectl(params string[] args)
    {
        var psi = new ProcessStartInfo(Kubectl132) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["HOME"] = _dir.Path;
        psi.Environment.Remove("KUBECONFIG");
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
