using System.Security.Cryptography;
using System.Text;

namespace Bosun.Server;

/// <summary>
/// Seals the bootstrap data the servers share through the datastore: AES-256-GCM with a key derived from
/// <c>--token</c> by PBKDF2-SHA256 (random salt per sealing). Layout: salt(16) | nonce(12) | tag(16) | ciphertext.
/// Anyone who can read the datastore but lacks the token learns nothing, and a wrong token fails the tag check.
/// </summary>
internal static class BootstrapCipher
{
    private const int SaltSize = 16, NonceSize = 12, TagSize = 16, KeySize = 32;
    private const int Iterations = 100_000;

    public static byte[] Seal(byte[] plaintext, string token)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var sealedData = new byte[SaltSize + NonceSize + TagSize + plaintext.Length];
        salt.CopyTo(sealedData, 0);
        nonce.CopyTo(sealedData, SaltSize);
        using var aes = new AesGcm(DeriveKey(token, salt), TagSize);
        aes.Encrypt(nonce, plaintext, sealedData.AsSpan(SaltSize + NonceSize + TagSize), sealedData.AsSpan(SaltSize + NonceSize, TagSize));
        return sealedData;
    }

    /// <summary>The plaintext; throws <see cref="CryptographicException"/> when the token is wrong or the data was altered.</summary>
    public static byte[] Open(ReadOnlySpan<byte> sealedData, string token)
    {
        if (sealedData.Length < SaltSize + NonceSize + TagSize)
            throw new CryptographicException("bootstrap data is truncated");
        var salt = sealedData[..SaltSize];
        var nonce = sealedData.Slice(SaltSize, NonceSize);
        var tag = sealedData.Slice(SaltSize + NonceSize, TagSize);
        var ciphertext = sealedData[(SaltSize + NonceSize + TagSize)..];
        var plaintext = new byte[ciphertext.Length];
        using var aes = new AesGcm(DeriveKey(token, salt), TagSize);
        aes.Decrypt(nonce, ciphertext, tag, plaintext);
        return plaintext;
    }

    private static byte[] DeriveKey(string token, ReadOnlySpan<byte> salt) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(token), salt, Iterations, HashAlgorithmName.SHA256, KeySize);
}
