using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary><c>--resolv-conf</c> (k3s's and kubelet's flag): a file that is not there is refused before anything starts.</summary>
[Trait("Category", "E2E")]
public sealed class ResolvConfFlagTests
{
    [Theory]
    [InlineData("server", "bosun server: --resolv-conf: /nonexistent/resolv.conf does not exist")]
    [InlineData("agent", "bosun agent: --resolv-conf: /nonexistent/resolv.conf does not exist")]
    public async Task MissingResolvConf_ExitsTwoWithTheFlagNamed(string command, string message)
    {
        using var temp = new TempDirectory("bosun-rc");
        string[] join = command == "agent" ? ["--server", "https://127.0.0.1:1", "--token", "abcdef.0123456789abcdef"] : [];
        var result = await BosunBinary.RunAsync([command, "--resolv-conf", "/nonexistent/resolv.conf", "--data-dir", temp.Path, .. join]);
        Assert.True(result.ExitCode == 2, result.Output);
        Assert.Contains(message, result.Output, StringComparison.Ordinal);
    }
}
