using System.Text.RegularExpressions;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>Requests over HTTPS with credentials the server does not accept.</summary>
[Trait("Category", "E2E")]
public sealed class AuthenticationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task GetPods_WrongBearerToken_FailsUnauthorized()
    {
        var kubeconfig = fixture.Temp.Combine("wrong-token.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, WrongTokenKubeconfig(await File.ReadAllTextAsync(fixture.Server.KubeconfigPath)));

        var result = await fixture.Kubectl.WithKubeconfig(kubeconfig).RunAsync("get", "pods");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("", result.Stdout);
        // kubectl 1.32 fails in discovery first and words the 401 as kube-apiserver's gets worded; older ones said "(Unauthorized)".
        Assert.Matches(
            new Regex(@"^error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)$", RegexOptions.Multiline),
            result.Stderr);
    }

    [Fact]
    public async Task GetPods_AdminKubeconfig_IsAuthorized()
    {
        var result = await fixture.Kubectl.RunAsync("get", "pods", "-n", "kube-system");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("Unauthorized", result.Stderr);
    }

    /// <summary>The admin kubeconfig's cluster (server URL and CA, so TLS still verifies) with a user that only has <c>token: wrong</c>.</summary>
    private static string WrongTokenKubeconfig(string admin)
    {
        var ca = Regex.Match(admin, @"certificate-authority-data:\s*(\S+)").Groups[1].Value;
        var server = Regex.Match(admin, @"server:\s*""?([^""\s]+)""?").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(ca) || string.IsNullOrEmpty(server), "admin kubeconfig lacks server or CA:\n" + admin);
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: bosun
              cluster:
                certificate-authority-data: {ca}
                server: {server}
            users:
            - name: wrong
              user:
                token: wrong
            contexts:
            - name: wrong@bosun
              context:
                cluster: bosun
                user: wrong
            current-context: wrong@bosun
            """;
    }
}
