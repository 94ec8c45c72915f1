using System.Net;
using System.Security.Cryptography.X509Certificates;
using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // File modes are a Unix concept.
public sealed class ClusterPkiTests : IDisposable
{
    private static readonly PkiOptions Options = new() { IncludeHostAddresses = false };
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void LoadOrCreate_FirstStart_WritesKeysWith0600AndCertsWith0644()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);

        foreach (var key in new[] { ClusterPki.CaKeyFile, ClusterPki.ServingKeyFile, ClusterPki.AdminKeyFile })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir.Combine(key)));
        }

        foreach (var cert in new[] { ClusterPki.CaCertFile, ClusterPki.ServingCertFile, ClusterPki.AdminCertFile })
        {
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                File.GetUnixFileMode(_dir.Combine(cert)));
        }

        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public void LoadOrCreate_FirstStart_CreatesTenYearCaNamedBosunCa()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);

        Assert.Equal("CN=bosun-ca", pki.CaCertificate.Subject);
        Assert.True(pki.CaCertificate.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddYears(9));
        Assert.False(pki.CaCertificate.HasPrivateKey);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", pki.CaPem, StringComparison.Ordinal);
        Assert.Equal(pki.CaCertificate.RawData, X509Certificate2.CreateFromPem(pki.CaPem).RawData);
    }

    [Fact]
    public void LoadOrCreate_SecondStart_ReusesAllCertificates()
    {
        string ca, serving, admin;
        using (var first = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System))
        {
            (ca, serving, admin) = (first.CaCertificate.Thumbprint, first.ServingCertificate.Thumbprint, first.AdminCertificate.Thumbprint);
        }

        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);

        Assert.Equal(ca, second.CaCertificate.Thumbprint);
        Assert.Equal(serving, second.ServingCertificate.Thumbprint);
        Assert.Equal(admin, second.AdminCertificate.Thumbprint);
        Assert.True(second.ServingCertificate.HasPrivateKey);
    }

    [Fact]
    public void LoadOrCreate_Always_ServingCertCoversLoopbackClusterNamesAndServiceIp()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options with { ExtraSans = ["bosun.example", "192.0.2.7"] }, TimeProvider.System);

        var san = pki.ServingCertificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var dns = san.EnumerateDnsNames().ToList();
        var ips = san.EnumerateIPAddresses().ToList();
        Assert.Contains("localhost", dns);
        Assert.Contains("kubernetes", dns);
        Assert.Contains("kubernetes.default", dns);
        Assert.Contains("kubernetes.default.svc", dns);
        Assert.Contains("kubernetes.default.svc.cluster.local", dns);
        Assert.Contains("bosun.example", dns);
        Assert.Contains(IPAddress.Loopback, ips);
        Assert.Contains(IPAddress.IPv6Loopback, ips);
        Assert.Contains(IPAddress.Parse("10.96.0.1"), ips);
        Assert.Contains(IPAddress.Parse("192.0.2.7"), ips);
    }

    [Fact]
    public void LoadOrCreate_WithHostAddresses_ServingCertCoversHostNameAndInterfaces()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, new PkiOptions(), TimeProvider.System);

        var san = pki.ServingCertificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains(Dns.GetHostName().ToLowerInvariant(), san.EnumerateDnsNames());
        Assert.Contains(IPAddress.Loopback, san.EnumerateIPAddresses());
    }

    [Fact]
    public void LoadOrCreate_ServingCert_IsOneYearServerAuthChainedToCa()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, time);

        var serving = pki.ServingCertificate;
        Assert.True(serving.HasPrivateKey);
        Assert.InRange(serving.NotAfter.ToUniversalTime() - time.Now.UtcDateTime, TimeSpan.FromDays(364), TimeSpan.FromDays(366));
        Assert.Contains(serving.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(),
            o => o.Value == "1.3.6.1.5.5.7.3.1");
        Assert.True(CertificateValidation.ChainsTo(serving, pki.CaCertificate, time.Now, "1.3.6.1.5.5.7.3.1"));
    }

    [Fact]
    public void LoadOrCreate_NewSanRequired_RegeneratesServingCertAndKeepsCa()
    {
        string ca, serving, admin;
        using (var first = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System))
        {
            (ca, serving, admin) = (first.CaCertificate.Thumbprint, first.ServingCertificate.Thumbprint, first.AdminCertificate.Thumbprint);
        }

        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options with { ExtraSans = ["203.0.113.9"] }, TimeProvider.System);

        Assert.Equal(ca, second.CaCertificate.Thumbprint);
        Assert.Equal(admin, second.AdminCertificate.Thumbprint);
        Assert.NotEqual(serving, second.ServingCertificate.Thumbprint);
        Assert.Contains(IPAddress.Parse("203.0.113.9"),
            second.ServingCertificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
        using var onDisk = X509Certificate2.CreateFromPem(File.ReadAllText(_dir.Combine(ClusterPki.ServingCertFile)));
        Assert.Equal(second.ServingCertificate.Thumbprint, onDisk.Thumbprint);
    }

    [Fact]
    public void LoadOrCreate_ServingExpiresWithin30Days_RegeneratesServingCert()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        string serving, ca;
        using (var first = ClusterPki.LoadOrCreate(_dir.Path, Options, time))
        {
            (serving, ca) = (first.ServingCertificate.Thumbprint, first.CaCertificate.Thumbprint);
        }

        time.Advance(TimeSpan.FromDays(340));
        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options, time);

        Assert.Equal(ca, second.CaCertificate.Thumbprint);
        Assert.NotEqual(serving, second.ServingCertificate.Thumbprint);
        Assert.True(second.ServingCertificate.NotAfter.ToUniversalTime() > time.Now.UtcDateTime.AddDays(360));
    }

    [Fact]
    public void LoadOrCreate_ServingFilesDeleted_RegeneratesServingCert()
    {
        string ca;
        using (var first = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System))
        {
            ca = first.CaCertificate.Thumbprint;
        }

        File.Delete(_dir.Combine(ClusterPki.ServingKeyFile));
        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);

        Assert.Equal(ca, second.CaCertificate.Thumbprint);
        Assert.True(File.Exists(_dir.Combine(ClusterPki.ServingKeyFile)));
        Assert.True(second.ServingCertificate.HasPrivateKey);
    }

    [Fact]
    public void LoadOrCreate_CaReplaced_ReissuesLeavesFromNewCa()
    {
        using (ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System))
        {
        }

        File.Delete(_dir.Combine(ClusterPki.CaKeyFile));
        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);

        Assert.True(CertificateValidation.ChainsTo(second.ServingCertificate, second.CaCertificate, DateTimeOffset.UtcNow, null));
        Assert.True(CertificateValidation.ChainsTo(second.AdminCertificate, second.CaCertificate, DateTimeOffset.UtcNow, null));
    }

    [Fact]
    public void AdminCertificate_Always_IsSystemAdminInSystemMastersChainedToCa()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);

        var admin = pki.AdminCertificate;
        Assert.True(admin.HasPrivateKey);
        Assert.Equal("system:admin", admin.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        Assert.Contains("O=system:masters", admin.Subject, StringComparison.Ordinal);
        Assert.True(CertificateValidation.ChainsTo(admin, pki.CaCertificate, DateTimeOffset.UtcNow, "1.3.6.1.5.5.7.3.2"));

        using var fromPem = X509Certificate2.CreateFromPem(pki.AdminCertificatePem, pki.AdminKeyPem);
        Assert.Equal(admin.Thumbprint, fromPem.Thumbprint);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pki.AdminKeyPem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.96.0.0/12", "10.96.0.1")]
    [InlineData("10.43.0.0/16", "10.43.0.1")]
    [InlineData("fd00:10:96::/108", "fd00:10:96::1")]
    [InlineData("10.0.0.0/24,fd00::/108", "10.0.0.1")]
    public void FirstServiceIp_Cidr_IsBasePlusOne(string cidr, string expected)
        => Assert.Equal(IPAddress.Parse(expected), ServingNames.FirstServiceIp(cidr));
}
