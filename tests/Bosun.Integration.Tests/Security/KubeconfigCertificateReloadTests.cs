using Bosun.ApiServer.Security;
using Bosun.Client;
using k8s.Models;

namespace Bosun.Integration.Tests.Security;

/// <summary>The in-process components' client follows its kubeconfig: a certificate rewritten on disk is used without a restart.</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class KubeconfigCertificateReloadTests(ServerFixture fixture) : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), "bosun-reload-" + Guid.NewGuid().ToString("N")[..8] + ".kubeconfig");

    public void Dispose() => File.Delete(path);

    private void WriteFor(string user)
    {
        var pki = fixture.Server.Host.Pki;
        using var cert = pki.IssueClientCertificate(user, [], TimeSpan.FromHours(1));
        KubeconfigWriter.Write(path, fixture.Server.Host.Url.ToString().TrimEnd('/'), pki.CaPem,
            ClusterPki.ExportCertificatePem(cert), ClusterPki.ExportKeyPem(cert), user: user);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(Random.Shared.Next(1, 1000)));
    }

    /// <summary>Who the server says made the request: the 403 names the user (neither has any role).</summary>
    private static async Task<string> RejectedUserAsync(ApiClient api)
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => api.ListAsync<V1NamespaceList>(typeof(V1Namespace), null, new ListQuery(), CancellationToken.None));
        Assert.Equal(403, e.Code);
        return e.Message;
    }

    [Fact]
    public async Task KubeconfigRewrittenWithAnotherCertificate_NextConnectionPresentsIt()
    {
        WriteFor("reload-alice");
        using var api = ApiClient.FromKubeconfig(path, "bosun-test", connectionLifetime: TimeSpan.Zero);
        Assert.Contains("User \"reload-alice\" cannot list resource \"namespaces\"", await RejectedUserAsync(api));

        WriteFor("reload-bob");

        Assert.Contains("User \"reload-bob\" cannot list resource \"namespaces\"", await RejectedUserAsync(api));
    }
}
