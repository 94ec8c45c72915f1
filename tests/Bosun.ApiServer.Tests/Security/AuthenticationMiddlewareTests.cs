using Bosun.ApiServer.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.ApiServer.Tests.Security;

public sealed class AuthenticationMiddlewareTests
{
    private const string Token = "abc123";

    private static readonly TokenAuthenticator Tokens = new([new TokenEntry(Token, new UserInfo("alice", "u1", ["devs"]))]);

    private static async Task<(HttpContext Ctx, bool NextCalled, string Body)> Run(string path, string? authorization, IAuthenticator? authenticator = null)
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.Path = path;
        ctx.Response.Body = new MemoryStream();
        if (authorization is not null)
        {
            ctx.Request.Headers.Authorization = authorization;
        }

        var nextCalled = false;
        var middleware = new AuthenticationMiddleware(
            _ => { nextCalled = true; return Task.CompletedTask; },
            authenticator ?? Tokens,
            NullLogger<AuthenticationMiddleware>.Instance);
        await middleware.InvokeAsync(ctx);

        ctx.Response.Body.Position = 0;
        var body = await new StreamReader(ctx.Response.Body).ReadToEndAsync();
        return (ctx, nextCalled, body);
    }

    [Theory]
    [InlineData("/api/v1/pods", null)]
    [InlineData("/api", "Bearer wrong")]
    [InlineData("/", "garbage")]
    [InlineData("/livezzz", null)]
    [InlineData("/versions", null)]
    public async Task InvokeAsync_NoValidIdentity_Returns401KubernetesStatus(string path, string? authorization)
    {
        var (ctx, nextCalled, body) = await Run(path, authorization);

        Assert.False(nextCalled);
        Assert.Equal(401, ctx.Response.StatusCode);
        Assert.Equal("application/json", ctx.Response.ContentType);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""",
            body);
    }

    [Theory]
    [InlineData("/livez")]
    [InlineData("/livez/ping")]
    [InlineData("/readyz")]
    [InlineData("/healthz")]
    [InlineData("/healthz/etcd")]
    [InlineData("/version")]
    public async Task InvokeAsync_AnonymousPath_CallsNextAsAnonymous(string path)
    {
        var (ctx, nextCalled, _) = await Run(path, null);

        Assert.True(nextCalled);
        Assert.Equal(200, ctx.Response.StatusCode);
        Assert.Equal(UserInfo.Anonymous, ctx.GetUser());
    }

    [Fact]
    public async Task InvokeAsync_ValidToken_CallsNextWithUser()
    {
        var (ctx, nextCalled, _) = await Run("/api/v1/namespaces", $"Bearer {Token}");

        Assert.True(nextCalled);
        var user = ctx.GetUser();
        Assert.NotNull(user);
        Assert.Equal("alice", user.Name);
        Assert.Equal(["devs", "system:authenticated"], user.Groups);
    }

    [Fact]
    public async Task InvokeAsync_ValidTokenOnAnonymousPath_KeepsRealUser()
    {
        var (ctx, _, _) = await Run("/version", $"Bearer {Token}");

        Assert.Equal("alice", ctx.GetUser()?.Name);
    }

    [Fact]
    public async Task InvokeAsync_AuthenticatorThrows_Returns401()
    {
        var (ctx, nextCalled, _) = await Run("/api", $"Bearer {Token}", new CompositeAuthenticator(new ThrowingAuthenticator(), Tokens));

        Assert.False(nextCalled);
        Assert.Equal(401, ctx.Response.StatusCode);
    }

    /// <summary>Stands in for a buggy authenticator; the middleware must fail closed.</summary>
    private sealed class ThrowingAuthenticator : IAuthenticator
    {
        public ValueTask<UserInfo?> AuthenticateAsync(HttpContext ctx) => throw new InvalidOperationException("boom");
    }
}
