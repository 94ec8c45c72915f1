using Bosun.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Tests.Security;

public sealed class TokenAuthenticatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static HttpContext WithAuthorization(params string[] values)
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.Headers.Authorization = values;
        return ctx;
    }

    [Fact]
    public void Authenticate_AdminToken_ReturnsSystemAdmin()
    {
        var path = _dir.Combine("token");
        var token = TokenFile.EnsureAdminToken(path);
        var authenticator = TokenAuthenticator.FromFile(path);

        var user = authenticator.Authenticate(WithAuthorization($"Bearer {token}"));

        Assert.NotNull(user);
        Assert.Equal("system:admin", user.Name);
        Assert.Equal(["system:masters", "system:authenticated"], user.Groups);
        Assert.NotEmpty(user.Uid);
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public void Authenticate_SchemeInAnyCase_ReturnsUser(string scheme)
    {
        var authenticator = new TokenAuthenticator([new TokenEntry("abc", new UserInfo("u", "1", []))]);

        Assert.Equal("u", authenticator.Authenticate(WithAuthorization($"{scheme} abc"))?.Name);
    }

    [Theory]
    [InlineData("Bearer wrong")]
    [InlineData("Bearer abcd")]
    [InlineData("Bearer ab")]
    [InlineData("Bearer ")]
    [InlineData("Bearer")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("\u0000\u00ff garbage \ud800")]
    public void Authenticate_WrongTokenOrMalformedHeader_ReturnsNull(string header)
    {
        var authenticator = new TokenAuthenticator([new TokenEntry("abc", new UserInfo("u", "1", []))]);

        Assert.Null(authenticator.Authenticate(WithAuthorization(header)));
    }

    [Fact]
    public void Authenticate_TwoAuthorizationHeaders_ReturnsNull()
    {
        var authenticator = new TokenAuthenticator([new TokenEntry("abc", new UserInfo("u", "1", []))]);

        Assert.Null(authenticator.Authenticate(WithAuthorization("Bearer abc", "Bearer abc")));
    }

    [Fact]
    public void Authenticate_NoHeader_ReturnsNull()
    {
        var authenticator = new TokenAuthenticator([new TokenEntry("abc", new UserInfo("u", "1", []))]);

        Assert.Null(authenticator.Authenticate(new DefaultHttpContext()));
    }
}
