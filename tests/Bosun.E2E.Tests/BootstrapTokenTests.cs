using System.Text.RegularExpressions;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary><c>bosun token create</c> and the join command <c>bosun server</c> prints, checked with the real kubectl.</summary>
[Trait("Category", "E2E")]
public sealed class BootstrapTokenTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task TokenCreate_PrintsTokenAndJoinCommand_TokenAuthenticatesAsBootstrapper()
    {
        var created = await BosunCommand.RunAsync("token", "create", "--data-dir", fixture.Server.DataDir, "--ttl", "1:00:00");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var lines = created.Lines;
        Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}$", lines[0]);
        Assert.Matches($"^bosun agent --server https://127\\.0\\.0\\.1:{fixture.Server.Port} --token K10[0-9a-f]{{64}}::{Regex.Escape(lines[0])}$", lines[1]);

        var asToken = fixture.Kubectl.WithKubeconfig(await UserKubeconfig.WithTokenAsync(fixture, "bootstrap.kubeconfig", lines[0]));
        var whoami = (await asToken.RunAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Ok();
        Assert.Equal($"system:bootstrap:{lines[0][..6]}", whoami.Stdout.Trim());
        var secrets = await asToken.RunAsync("get", "secrets", "-n", "kube-system");
        Assert.Contains("Error from server (Forbidden)", secrets.Stderr);

        var secret = (await fixture.Kubectl.RunAsync("get", "secret", $"bootstrap-token-{lines[0][..6]}", "-n", "kube-system", "-o", "jsonpath={.type}")).Ok();
        Assert.Equal("bootstrap.kubernetes.io/token", secret.Stdout);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Server_LogsJoinCommandWithItsNodeToken()
    {
        // Written just after the API server is ready, which is what the fixture waited for.
        await Poll.UntilAsync(() => fixture.Server.Log.Contains("To join a node:", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "join command in the log");
        var token = File.ReadAllText(Path.Combine(fixture.Server.DataDir, "server", "node-token")).Trim();
        Assert.Contains($"To join a node: bosun agent --server https://127.0.0.1:{fixture.Server.Port} --token K10", fixture.Server.Log);
        Assert.Contains($"::{token}", fixture.Server.Log);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(fixture.Server.DataDir, "server", "node-token")));
    }
}
