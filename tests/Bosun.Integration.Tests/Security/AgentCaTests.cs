using System.Net;

namespace Bosun.Integration.Tests.Security;

/// <summary><c>/cacerts/agent</c>: how a joined agent learns which CA signs the API server's client certificate to it.</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class AgentCaTests(ServerFixture fixture)
{
    [Fact]
    public async Task AgentCaCerts_AnswersAnonymouslyWithTheAgentCa_NotTheClusterCa()
    {
        using var anonymous = TestServer.NewHttpClient(fixture.Server.Host.Url, token: null);

        using var resp = await anonymous.GetAsync("/cacerts/agent");

        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var pem = await resp.Content.ReadAsStringAsync();
        Assert.Equal(fixture.Server.Host.Pki.AgentCaPem, pem);
        Assert.NotEqual(fixture.Server.Host.Pki.CaPem, pem);
    }

    [Fact]
    public async Task KubeletClientCertificate_IsRejectedByTheApiServer_SinceOnlyAgentsTrustItsCa()
    {
        var cert = fixture.Server.Host.Pki.KubeletClientCertificate;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true, ClientCertificates = [cert] },
        };
        using var http = new HttpClient(handler) { BaseAddress = fixture.Server.Host.Url };

        using var resp = await http.GetAsync("/api/v1/namespaces");

        Assert.Equal(HttpStatusCode.Unauthorized, resp.StatusCode);
    }
}
