using System.Security.Cryptography.X509Certificates;

namespace Bosun.ApiServer.Security;

/// <summary>
/// One leaf certificate of <see cref="ClusterPki"/> and its files: the current certificate, swapped atomically when the
/// files change on disk or renewal is due. Replaced certificates are not disposed, since a handshake may still be using
/// them; the garbage collector reclaims them.
/// </summary>
internal sealed class LeafSlot(string certFile, string keyFile, X509Certificate2 issuer, string eku,
    Func<DateTimeOffset, X509Certificate2> issue, Func<X509Certificate2, bool>? stillCovers)
{
    private readonly Lock _gate = new();
    private X509Certificate2? _current;
    private DateTime _loadedWriteTime;

    public string CertFile { get; } = certFile;

    public X509Certificate2 Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException($"{CertFile} is not loaded");

    /// <summary>True when <see cref="Current"/> changed.</summary>
    public bool Refresh(string dir, DateTimeOffset now)
    {
        lock (_gate)
        {
            var certPath = Path.Combine(dir, CertFile);
            var writeTime = File.Exists(certPath) ? File.GetLastWriteTimeUtc(certPath) : default;
            if (_current is not null && writeTime == _loadedWriteTime && IsFresh(_current, issuer, now)) return false;

            var next = CertificateFactory.TryLoad(certPath, Path.Combine(dir, keyFile));
            if (next is null || !CertificateValidation.ChainsTo(next, issuer, now, eku) || !IsFresh(next, issuer, now)
                || (stillCovers is not null && !stillCovers(next)))
            {
                next?.Dispose();
                next = issue(now);
                ClusterPki.Save(dir, CertFile, keyFile, next);
                writeTime = File.GetLastWriteTimeUtc(certPath);
            }
            _loadedWriteTime = writeTime;
            if (_current is not null && _current.Thumbprint == next.Thumbprint)
            {
                next.Dispose();
                return false;
            }
            Volatile.Write(ref _current, next);
            return true;
        }
    }

    /// <summary>A leaf that already ends with its CA cannot be renewed any further, so it counts as fresh (no reissue loop).</summary>
    public void Reissue(string dir, DateTimeOffset now)
    {
        lock (_gate)
        {
            var next = issue(now);
            ClusterPki.Save(dir, CertFile, keyFile, next);
            _loadedWriteTime = File.GetLastWriteTimeUtc(Path.Combine(dir, CertFile));
            Volatile.Write(ref _current, next);
        }
    }

    public static bool IsFresh(X509Certificate2 cert, X509Certificate2 issuer, DateTimeOffset now) =>
        new DateTimeOffset(cert.NotAfter.ToUniversalTime()) - now > ClusterPki.RenewBefore || cert.NotAfter >= issuer.NotAfter;
}
