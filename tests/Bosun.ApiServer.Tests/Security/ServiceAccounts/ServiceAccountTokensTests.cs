using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Security.ServiceAccounts;

namespace Bosun.ApiServer.Tests.Security.ServiceAccounts;

public sealed class ServiceAccountTokensTests : IDisposable
{
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";
    private readonly ManualTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ServiceAccountKey key = ServiceAccountKey.Ephemeral();
    private readonly ServiceAccountTokens tokens;

    public ServiceAccountTokensTests() => tokens = new ServiceAccountTokens(key, Issuer, time);

    public void Dispose() => key.Dispose();

    private string Issue(TimeSpan? lifetime = null, IReadOnlyList<string>? audiences = null, BoundObject? bound = null) =>
        tokens.Issue(tokens.NewClaims("team", "builder", "sa-uid", audiences ?? tokens.ApiAudiences, lifetime ?? TimeSpan.FromHours(1), bound));

    [Fact]
    public void Issue_WritesKubernetesClaimLayout()
    {
        var token = Issue(bound: new BoundObject("Pod", "web-0", "pod-uid"));
        var parts = token.Split('.');
        var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!;
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;

        Assert.Equal("RS256", (string?)header["alg"]);
        Assert.Equal(key.KeyId, (string?)header["kid"]);
        Assert.Equal(Issuer, (string?)payload["iss"]);
        Assert.Equal("system:serviceaccount:team:builder", (string?)payload["sub"]);
        Assert.Equal(Issuer, (string?)payload["aud"]![0]);
        Assert.Equal(time.Now.ToUnixTimeSeconds(), (long?)payload["iat"]);
        Assert.Equal(time.Now.ToUnixTimeSeconds(), (long?)payload["nbf"]);
        Assert.Equal(time.Now.AddHours(1).ToUnixTimeSeconds(), (long?)payload["exp"]);
        Assert.Equal("team", (string?)payload["kubernetes.io"]!["namespace"]);
        Assert.Equal("builder", (string?)payload["kubernetes.io"]!["serviceaccount"]!["name"]);
        Assert.Equal("sa-uid", (string?)payload["kubernetes.io"]!["serviceaccount"]!["uid"]);
        Assert.Equal("web-0", (string?)payload["kubernetes.io"]!["pod"]!["name"]);
        Assert.Equal("pod-uid", (string?)payload["kubernetes.io"]!["pod"]!["uid"]);
    }

    [Fact]
    public void Validate_FreshToken_ReturnsClaims()
    {
        var claims = tokens.Validate(Issue(bound: new BoundObject("Pod", "web-0", "pod-uid")), tokens.ApiAudiences);

        Assert.NotNull(claims);
        Assert.Equal("system:serviceaccount:team:builder", claims.Subject);
        Assert.Equal(new BoundObject("Pod", "web-0", "pod-uid"), claims.Bound);
    }

    [Fact]
    public void Validate_AfterExpiryPlusLeeway_ReturnsNull()
    {
        var token = Issue(TimeSpan.FromMinutes(10));
        time.Advance(TimeSpan.FromMinutes(10) + ServiceAccountTokens.Leeway);
        Assert.NotNull(tokens.Validate(token, tokens.ApiAudiences));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(tokens.Validate(token, tokens.ApiAudiences));
    }

    [Fact]
    public void Validate_BeforeNotBefore_ReturnsNull()
    {
        var token = Issue();
        time.Advance(-ServiceAccountTokens.Leeway - TimeSpan.FromSeconds(1));
        Assert.Null(tokens.Validate(token, tokens.ApiAudiences));
    }

    [Fact]
    public void Validate_OtherAudience_ReturnsNull()
    {
        var token = Issue(audiences: ["vault"]);
        Assert.Null(tokens.Validate(token, tokens.ApiAudiences));
        Assert.NotNull(tokens.Validate(token, ["vault"]));
    }

    [Fact]
    public void Validate_SignedByAnotherKey_ReturnsNull()
    {
        using var other = ServiceAccountKey.Ephemeral();
        var forged = new ServiceAccountTokens(other, Issuer, time).Issue(tokens.NewClaims("kube-system", "admin", "u", tokens.ApiAudiences, TimeSpan.FromHours(1), null));
        Assert.Null(tokens.Validate(forged, tokens.ApiAudiences));
    }

    [Fact]
    public void Validate_OtherIssuer_ReturnsNull()
    {
        var elsewhere = new ServiceAccountTokens(key, "https://elsewhere", time);
        var token = elsewhere.Issue(elsewhere.NewClaims("team", "builder", "u", tokens.ApiAudiences, TimeSpan.FromHours(1), null));
        Assert.Null(tokens.Validate(token, tokens.ApiAudiences));
    }

    [Fact]
    public void Validate_PayloadChangedAfterSigning_ReturnsNull()
    {
        var parts = Issue().Split('.');
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        payload["sub"] = "system:serviceaccount:kube-system:admin";
        payload["kubernetes.io"]!["namespace"] = "kube-system";
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()))}.{parts[2]}";
        Assert.Null(tokens.Validate(tampered, tokens.ApiAudiences));
    }

    [Fact]
    public void Validate_AlgNone_ReturnsNull()
    {
        var parts = Issue().Split('.');
        var none = Base64Url.EncodeToString("{\"alg\":\"none\"}"u8);
        Assert.Null(tokens.Validate($"{none}.{parts[1]}.", tokens.ApiAudiences));
        Assert.Null(tokens.Validate($"{none}.{parts[1]}.{parts[2]}", tokens.ApiAudiences));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b.c")]
    [InlineData("...")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.AAAA")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.AAAA")]
    [InlineData("!!!.###.$$$")]
    public void Validate_Garbage_ReturnsNull(string token) => Assert.Null(tokens.Validate(token, tokens.ApiAudiences));

    [Fact]
    public void Validate_SubjectDisagreesWithPrivateClaim_ReturnsNull()
    {
        var payload = tokens.NewClaims("team", "builder", "u", tokens.ApiAudiences, TimeSpan.FromHours(1), null).ToPayload();
        payload["sub"] = "system:serviceaccount:kube-system:admin";
        var token = Jwt.Sign(payload, key.Rsa, key.KeyId);
        Assert.Null(tokens.Validate(token, tokens.ApiAudiences));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void LoadOrCreate_WritesPrivateKey0600AndReloadsSameKey()
    {
        using var dir = new TempDirectory();
        string kid;
        using (var created = ServiceAccountKey.LoadOrCreate(dir.Path)) kid = created.KeyId;
        using var loaded = ServiceAccountKey.LoadOrCreate(dir.Path);

        Assert.Equal(kid, loaded.KeyId);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(System.IO.Path.Combine(dir.Path, ServiceAccountKey.KeyFile)));
    }
}
