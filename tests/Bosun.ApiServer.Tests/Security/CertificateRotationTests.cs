using System.Security.Cryptography.X509Certificates;
using Bosun.ApiServer.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.ApiServer.Tests.Security;

/// <summary>The CA layout, renewal within the window, reload of files replaced on disk, and the rotation loop on a manual clock.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CertificateRotationTests : IDisposable
{
    private static readonly PkiOptions Options = new() { IncludeHostAddresses = false };
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Serial(X509Certificate2 cert) => cert.SerialNumber;

    [Fact]
    public void LoadOrCreate_SeparateCas_SignTheirOwnLeaves()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;

        Assert.Equal("CN=bosun-agent-ca", pki.AgentCaCertificate.Subject);
        Assert.NotEqual(pki.CaCertificate.Thumbprint, pki.AgentCaCertificate.Thumbprint);
        Assert.True(CertificateValidation.ChainsTo(pki.KubeletClientCertificate, pki.AgentCaCertificate, now, SecurityNames.ClientAuthOid));
        Assert.False(CertificateValidation.ChainsTo(pki.KubeletClientCertificate, pki.CaCertificate, now, SecurityNames.ClientAuthOid));
        Assert.Equal(ClusterPki.KubeletClientUser, pki.KubeletClientCertificate.GetNameInfo(X509NameType.SimpleName, false));
        foreach (var (file, cn) in new[] { (ClusterPki.EtcdServerCaCertFile, "bosun-etcd-server-ca"), (ClusterPki.EtcdPeerCaCertFile, "bosun-etcd-peer-ca") })
        {
            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(_dir.Combine(file)));
            Assert.Equal("CN=" + cn, ca.Subject);
            Assert.True(ca.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddYears(9));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir.Combine(ClusterPki.EtcdPeerCaKeyFile)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir.Combine(ClusterPki.AgentCaKeyFile)));
    }

    [Fact]
    public void LoadOrCreate_DataDirFromBefore_GetsTheMissingCas_AndKeepsItsCertificates()
    {
        string ca, serving, admin;
        using (var first = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System))
            (ca, serving, admin) = (first.CaCertificate.Thumbprint, first.ServingCertificate.Thumbprint, first.AdminCertificate.Thumbprint);
        // What an older Bosun left: only the cluster CA and its two leaves.
        foreach (var f in new[] { ClusterPki.AgentCaCertFile, ClusterPki.AgentCaKeyFile, ClusterPki.KubeletClientCertFile, ClusterPki.KubeletClientKeyFile })
            File.Delete(_dir.Combine(f));
        Directory.Delete(_dir.Combine("etcd"), recursive: true);

        using var second = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);

        Assert.Equal(ca, second.CaCertificate.Thumbprint);
        Assert.Equal(serving, second.ServingCertificate.Thumbprint);
        Assert.Equal(admin, second.AdminCertificate.Thumbprint);
        Assert.True(File.Exists(_dir.Combine(ClusterPki.AgentCaKeyFile)));
        Assert.True(File.Exists(_dir.Combine(ClusterPki.EtcdServerCaKeyFile)));
        Assert.True(CertificateValidation.ChainsTo(second.KubeletClientCertificate, second.AgentCaCertificate, DateTimeOffset.UtcNow, null));
    }

    [Fact]
    public void Refresh_OutsideTheRenewalWindow_ChangesNothing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, time);
        var serving = Serial(pki.ServingCertificate);

        time.Advance(TimeSpan.FromDays(270));   // 95 days left of 365

        Assert.Empty(pki.Refresh());
        Assert.Equal(serving, Serial(pki.ServingCertificate));
    }

    [Fact]
    public void Refresh_WithinTheRenewalWindow_RenewsEveryLeaf_KeepsTheCas_AndWritesTheFiles()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, time);
        var (serving, admin, kubelet, ca) = (Serial(pki.ServingCertificate), Serial(pki.AdminCertificate), Serial(pki.KubeletClientCertificate), pki.CaCertificate.Thumbprint);

        time.Advance(TimeSpan.FromDays(280));   // 85 days left

        Assert.Equal([ClusterPki.ServingCertFile, ClusterPki.AdminCertFile, ClusterPki.KubeletClientCertFile], pki.Refresh());
        Assert.NotEqual(serving, Serial(pki.ServingCertificate));
        Assert.NotEqual(admin, Serial(pki.AdminCertificate));
        Assert.NotEqual(kubelet, Serial(pki.KubeletClientCertificate));
        Assert.Equal(ca, pki.CaCertificate.Thumbprint);
        Assert.True(pki.ServingCertificate.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime.AddDays(364));
        using var onDisk = X509Certificate2.CreateFromPem(File.ReadAllText(_dir.Combine(ClusterPki.ServingCertFile)));
        Assert.Equal(pki.ServingCertificate.Thumbprint, onDisk.Thumbprint);
        Assert.Empty(pki.Refresh());
    }

    [Fact]
    public void Refresh_FilesReplacedOnDisk_ServesTheNewCertificate()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);
        var before = Serial(pki.ServingCertificate);
        // What `bosun certificate rotate` does offline: new files, issued from the same CA by another ClusterPki.
        File.Delete(_dir.Combine(ClusterPki.ServingCertFile));
        using (ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System))
        {
        }

        Assert.Equal([ClusterPki.ServingCertFile], pki.Refresh());
        Assert.NotEqual(before, Serial(pki.ServingCertificate));
    }

    [Fact]
    public void Refresh_CorruptFileOnDisk_IsReplacedByAFreshCertificate()
    {
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, TimeProvider.System);
        File.WriteAllText(_dir.Combine(ClusterPki.AdminCertFile), "not a certificate");
        File.SetLastWriteTimeUtc(_dir.Combine(ClusterPki.AdminCertFile), DateTime.UtcNow.AddMinutes(1));

        Assert.Equal([ClusterPki.AdminCertFile], pki.Refresh());
        Assert.True(CertificateValidation.ChainsTo(pki.AdminCertificate, pki.CaCertificate, DateTimeOffset.UtcNow, null));
    }

    [Fact]
    public async Task RotationLoop_OnAManualClock_RenewsWhenTheWindowOpens_AndReportsWhatChanged()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var pki = ClusterPki.LoadOrCreate(_dir.Path, Options, time);
        var serving = Serial(pki.ServingCertificate);
        var reported = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var rotation = new CertificateRotation(pki, changed => reported.TrySetResult(changed), time, NullLogger.Instance);
        time.Advance(TimeSpan.FromDays(280));   // 85 days left; nothing runs until the loop's next round
        Assert.Equal(serving, Serial(pki.ServingCertificate));
        using var stop = new CancellationTokenSource();
        var loop = rotation.RunAsync(stop.Token);   // registers its first delay before returning

        time.Advance(CertificateRotation.Interval);

        var changed = await reported.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(ClusterPki.ServingCertFile, changed);
        Assert.NotEqual(serving, Serial(pki.ServingCertificate));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }
}
