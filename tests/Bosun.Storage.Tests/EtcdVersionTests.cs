using System.Diagnostics;
using Bosun.Storage.Etcd;
using Bosun.Testing.Etcd;

namespace Bosun.Storage.Tests;

public sealed class EtcdVersionTests
{
    [Theory]
    [InlineData("3.4.23", true)]
    [InlineData("3.4.0", true)]
    [InlineData("3.3.27", false)]
    [InlineData("3.5.0", false)]
    [InlineData("3.6.1", false)]
    [InlineData("4.0.0", false)]
    [InlineData("", false)]
    [InlineData("not-a-version", false)]
    public void CopiesWriteBufferPerTransaction_Only34(string version, bool copies) =>
        Assert.Equal(copies, EtcdVersion.CopiesWriteBufferPerTransaction(version));

    [Fact]
    [Trait("Category", "Integration")]
    public async Task MemberVersion_RealEtcd_IsTheInstalledBinarysVersion()
    {
        await using var etcd = await EtcdCluster.StartAsync();
        await using var store = await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = etcd.EndpointUris });

        var version = await store.MemberVersionAsync(default);

        Assert.NotNull(version);
        Assert.Contains($"etcd Version: {version}\n", await InstalledVersionAsync(), StringComparison.Ordinal);
    }

    private static async Task<string> InstalledVersionAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("etcd", "--version") { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
