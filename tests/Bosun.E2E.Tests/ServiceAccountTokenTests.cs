using System.Buffers.Text;
using System.Text.Json;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary><c>kubectl create token</c> against <c>bosun server</c>: the token authenticates and carries the asked lifetime.</summary>
[Trait("Category", "E2E")]
public sealed class ServiceAccountTokenTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task CreateTokenDefault_TokenWorksWithKubectlAndExpiresAfterDuration()
    {
        var ns = await fixture.CreateNamespaceAsync("token");
        // The service-account controller makes "default" shortly after the namespace.
        await Poll.UntilAsync(async () => (await fixture.Kubectl.RunAsync("get", "serviceaccount", "default", "-n", ns)).ExitCode == 0,
            TimeSpan.FromSeconds(30), "default service account");
        (await fixture.Kubectl.RunAsync("create", "rolebinding", "default-view", "--clusterrole=view", $"--serviceaccount={ns}:default", "-n", ns)).Ok();
        (await fixture.Kubectl.RunWithInputAsync(Manifests.ConfigMap(ns, "seen", "seen-by-sa"), "create", "-f", "-")).Ok();

        var created = (await fixture.Kubectl.RunAsync("create", "token", "default", "-n", ns, "--duration", "10m")).Ok();
        var token = created.Stdout.Trim();

        var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[1])).RootElement;
        Assert.Equal($"system:serviceaccount:{ns}:default", claims.GetProperty("sub").GetString());
        Assert.Equal(600, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());

        var asSa = fixture.Kubectl.WithKubeconfig(await UserKubeconfig.WithTokenAsync(fixture, $"sa-{ns}.kubeconfig", token));
        var get = (await asSa.RunAsync("get", "configmap", "seen", "-n", ns, "-o", "jsonpath={.data.key}")).Ok();
        Assert.Equal("seen-by-sa", get.Stdout);
    }

    [Fact]
    public async Task CreateToken_DurationBelowTenMinutes_FailsWithKubernetesMessage()
    {
        var ns = await fixture.CreateNamespaceAsync("token");
        await Poll.UntilAsync(async () => (await fixture.Kubectl.RunAsync("get", "serviceaccount", "default", "-n", ns)).ExitCode == 0,
            TimeSpan.FromSeconds(30), "default service account");

        var result = await fixture.Kubectl.RunAsync("create", "token", "default", "-n", ns, "--duration", "1m");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes", result.Stderr);
    }
}
