using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.Tests.Security;

/// <summary>One cluster PKI plus a foreign one (another CA), shared by the authentication tests to save key generation.</summary>
public sealed class PkiFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public PkiFixture()
    {
        var options = new PkiOptions { IncludeHostAddresses = false };
        Pki = ClusterPki.LoadOrCreate(_dir.Combine("cluster"), options, TimeProvider.System);
        Foreign = ClusterPki.LoadOrCreate(_dir.Combine("foreign"), options, TimeProvider.System);
    }

    public ClusterPki Pki { get; }

    public ClusterPki Foreign { get; }

    public void Dispose()
    {
        Pki.Dispose();
        Foreign.Dispose();
        _dir.Dispose();
    }
}
