using Bosun.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Tests.Security;

public sealed class X509AuthenticatorTests(PkiFixture fixture) : IClassFixture<PkiFixture>
{
    private X509Authenticator Authenticator(TimeProvider? time = null) => new(fixture.Pki.CaCertificate, time ?? TimeProvider.System);

    [Fact]
    public void Authenticate_AdminCert_ReturnsSystemAdminWithMastersAndAuthenticated()
    {
        var ctx = new DefaultHttpContext();
        ctx.Connection.ClientCertificate = fixture.Pki.AdminCertificate;

        var user = Authenticator().Authenticate(ctx);

        Assert.NotNull(user);
        Assert.Equal("system:admin", user.Name);
        Assert.Equal(["system:masters", "system:authenticated"], user.Groups);
    }

    [Fact]
    public void Authenticate_IssuedCertWithSeveralOrganizations_MapsEachToAGroup()
    {
        using var cert = fixture.Pki.IssueClientCertificate("system:node:n1", ["system:nodes", "team-a"], TimeSpan.FromDays(1));

        var user = Authenticator().Authenticate(cert);

        Assert.NotNull(user);
        Assert.Equal("system:node:n1", user.Name);
        Assert.Equal(["system:nodes", "team-a", "system:authenticated"], user.Groups);
    }

    [Fact]
    public void Authenticate_CertFromAnotherCa_ReturnsNull()
        => Assert.Null(Authenticator().Authenticate(fixture.Foreign.AdminCertificate));

    [Fact]
    public void Authenticate_ExpiredCert_ReturnsNull()
    {
        var later = new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(400));

        Assert.Null(Authenticator(later).Authenticate(fixture.Pki.AdminCertificate));
    }

    [Fact]
    public void Authenticate_CachedCertAfterExpiry_ReturnsNull()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var cert = fixture.Pki.IssueClientCertificate("short-lived", [], TimeSpan.FromHours(2));
        var authenticator = Authenticator(time);
        Assert.NotNull(authenticator.Authenticate(cert));

        time.Advance(TimeSpan.FromHours(3));

        Assert.Null(authenticator.Authenticate(cert));
    }

    [Fact]
    public void Authenticate_SameCertTwice_ReturnsSameUser()
    {
        var authenticator = Authenticator();

        Assert.Equal(authenticator.Authenticate(fixture.Pki.AdminCertificate), authenticator.Authenticate(fixture.Pki.AdminCertificate));
    }

    [Fact]
    public void Authenticate_CertNotYetValid_ReturnsNull()
    {
        var earlier = new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(-2));

        Assert.Null(Authenticator(earlier).Authenticate(fixture.Pki.AdminCertificate));
    }

    [Fact]
    public void Authenticate_ServingCertWithoutClientAuthEku_ReturnsNull()
        => Assert.Null(Authenticator().Authenticate(fixture.Pki.ServingCertificate));

    [Fact]
    public void Authenticate_NoCertificate_ReturnsNull()
        => Assert.Null(Authenticator().Authenticate(new DefaultHttpContext()));
}
