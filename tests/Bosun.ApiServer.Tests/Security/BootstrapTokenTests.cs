using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Security.Bootstrap;

namespace Bosun.ApiServer.Tests.Security;

public sealed class BootstrapTokenTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static JsonObject Secret(string id, string secret, string? expiration = null, string usage = "true")
    {
        string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        var data = new JsonObject
        {
            ["token-id"] = B64(id),
            ["token-secret"] = B64(secret),
            ["usage-bootstrap-authentication"] = B64(usage),
            ["auth-extra-groups"] = B64("system:bootstrappers:extra,system:masters"),
        };
        if (expiration is not null) data["expiration"] = B64(expiration);
        return new JsonObject { ["type"] = BootstrapToken.SecretType, ["metadata"] = new JsonObject { ["name"] = "bootstrap-token-" + id }, ["data"] = data };
    }

    [Theory]
    [InlineData("abcdef.0123456789abcdef", true)]
    [InlineData("ABCDEF.0123456789abcdef", false)]
    [InlineData("abcde.0123456789abcdef", false)]
    [InlineData("abcdef.0123456789abcde", false)]
    [InlineData("abcdef0123456789abcdef", false)]
    public void Parse_AcceptsOnlyKubeadmShape(string token, bool ok) => Assert.Equal(ok, BootstrapToken.Parse(token) is not null);

    [Fact]
    public void Check_ValidSecret_GivesBootstrapUser_WithoutNonBootstrapperExtraGroups()
    {
        var user = BootstrapTokenAuthenticator.Check(Secret("abcdef", "0123456789abcdef"), "abcdef", "0123456789abcdef", Now);
        Assert.NotNull(user);
        Assert.Equal("system:bootstrap:abcdef", user.Name);
        Assert.Equal(["system:bootstrappers", "system:bootstrappers:extra", "system:authenticated"], user.Groups);
    }

    [Fact]
    public void Check_WrongSecretExpiredOrNotForAuthentication_Null()
    {
        Assert.Null(BootstrapTokenAuthenticator.Check(Secret("abcdef", "0123456789abcdef"), "abcdef", "0123456789abcdeX", Now));
        Assert.Null(BootstrapTokenAuthenticator.Check(Secret("abcdef", "0123456789abcdef", "2025-12-31T23:59:59Z"), "abcdef", "0123456789abcdef", Now));
        Assert.Null(BootstrapTokenAuthenticator.Check(Secret("abcdef", "0123456789abcdef", usage: "false"), "abcdef", "0123456789abcdef", Now));
        Assert.Null(BootstrapTokenAuthenticator.Check(Secret("abcdef", "0123456789abcdef", "not a date"), "abcdef", "0123456789abcdef", Now));
        var wrongType = Secret("abcdef", "0123456789abcdef");
        wrongType["type"] = "Opaque";
        Assert.Null(BootstrapTokenAuthenticator.Check(wrongType, "abcdef", "0123456789abcdef", Now));
    }
}
