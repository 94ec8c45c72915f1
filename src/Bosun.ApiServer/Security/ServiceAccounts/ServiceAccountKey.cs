using System.Buffers.Text;
using System.Security.Cryptography;

namespace Bosun.ApiServer.Security.ServiceAccounts;

/// <summary>
/// The RSA key pair that signs service-account tokens (kube-apiserver's <c>--service-account-signing-key-file</c>),
/// kept apart from the cluster CA so that either can be replaced alone. The key id is what Kubernetes uses: the
/// unpadded base64url SHA-256 of the public key's DER (PKIX) form.
/// </summary>
public sealed class ServiceAccountKey : IDisposable
{
    public const string KeyFile = "service-account.key";
    public const string PublicKeyFile = "service-account.pub";

    private ServiceAccountKey(RSA rsa)
    {
        Rsa = rsa;
        KeyId = Base64Url.EncodeToString(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()));
    }

    internal RSA Rsa { get; }

    /// <summary>The JWT <c>kid</c> header.</summary>
    public string KeyId { get; }

    /// <summary>The public key in PEM (for <c>--service-account-key-file</c>-style verifiers and tests).</summary>
    public string PublicKeyPem => Rsa.ExportSubjectPublicKeyInfoPem();

    /// <summary>Loads <c>service-account.key</c> from <paramref name="dir"/>, or makes a 2048-bit key (0600) when missing or unreadable.</summary>
    public static ServiceAccountKey LoadOrCreate(string dir)
    {
        SecureFiles.EnsureDirectory(dir);
        var path = Path.Combine(dir, KeyFile);
        var rsa = RSA.Create();
        try
        {
            if (File.Exists(path))
            {
                try
                {
                    rsa.ImportFromPem(File.ReadAllText(path));
                    return Written(dir, new ServiceAccountKey(rsa));
                }
                catch (ArgumentException)
                {
                    // Unreadable key: make a new one below; tokens signed by the old key stop working, as they must.
                }
                catch (CryptographicException)
                {
                }
            }

            rsa.Dispose();
            rsa = RSA.Create(2048);
            SecureFiles.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem(), SecureFiles.Private);
            return Written(dir, new ServiceAccountKey(rsa));
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    /// <summary>A key held only in memory (unit tests).</summary>
    internal static ServiceAccountKey Ephemeral() => new(RSA.Create(2048));

    private static ServiceAccountKey Written(string dir, ServiceAccountKey key)
    {
        var pub = Path.Combine(dir, PublicKeyFile);
        if (!File.Exists(pub) || File.ReadAllText(pub) != key.PublicKeyPem)
            SecureFiles.WriteAllText(pub, key.PublicKeyPem, SecureFiles.Public);
        return key;
    }

    public void Dispose() => Rsa.Dispose();
}
