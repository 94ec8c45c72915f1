using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>The scheduler and controller manager run under their own certificates and RBAC roles, not as administrators.</summary>
[Trait("Category", "E2E")]
public sealed class ComponentIdentityTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("scheduler", "system:kube-scheduler")]
    [InlineData("controller", "system:kube-controller-manager")]
    [InlineData("kube-proxy", "system:kube-proxy")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ComponentKubeconfig_AuthenticatesAsItsComponent_WithoutAdminRights(string component, string user)
    {
        var path = Path.Combine(fixture.Server.DataDir, "server", "cred", component + ".kubeconfig");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var kubectl = fixture.Kubectl.WithKubeconfig(path);

        var whoami = (await kubectl.RunAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Ok();
        Assert.Equal(user, whoami.Stdout.Trim());
        Assert.Equal("no", (await kubectl.RunAsync("auth", "can-i", "impersonate", "users")).Stdout.Trim());
        Assert.Equal("yes", (await kubectl.RunAsync("auth", "can-i", "watch", "nodes")).Stdout.Trim());
    }
}
