using System.Security.Cryptography;
using System.Text;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Security.Encryption;

/// <summary>
/// kube-apiserver's <c>aesgcm</c> provider: stored value = <c>k8s:enc:aesgcm:v1:&lt;key name&gt;:</c> | nonce (12, random per
/// write) | ciphertext | tag (16), with the storage key as associated data so that a value copied to another key does
/// not decrypt. Values without the <c>k8s:enc:</c> prefix were written before encryption was turned on and are read as they are.
/// </summary>
internal sealed class AesGcmTransformer
{
    private const string EncryptedPrefix = "k8s:enc:";
    private const string ProviderPrefix = "k8s:enc:aesgcm:v1:";
    private const int NonceSize = 12, TagSize = 16;

    private readonly SecretsKey _writeKey;
    private readonly byte[] _writePrefix;
    private readonly Dictionary<string, SecretsKey> _byName;

    public AesGcmTransformer(IReadOnlyList<SecretsKey> keys)
    {
        ArgumentOutOfRangeException.ThrowIfZero(keys.Count);
        _writeKey = keys[0];
        _writePrefix = Encoding.ASCII.GetBytes($"{ProviderPrefix}{_writeKey.Name}:");
        _byName = keys.ToDictionary(k => k.Name, StringComparer.Ordinal);
    }

    public byte[] Encrypt(string storageKey, ReadOnlySpan<byte> plaintext)
    {
        var result = new byte[_writePrefix.Length + NonceSize + plaintext.Length + TagSize];
        _writePrefix.CopyTo(result, 0);
        var nonce = result.AsSpan(_writePrefix.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var ciphertext = result.AsSpan(_writePrefix.Length + NonceSize, plaintext.Length);
        var tag = result.AsSpan(_writePrefix.Length + NonceSize + plaintext.Length, TagSize);
        using var aes = new AesGcm(_writeKey.Material, TagSize);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, Encoding.UTF8.GetBytes(storageKey));
        return result;
    }

    /// <summary>
    /// The plaintext of a stored value. Throws an <see cref="ApiException"/> worded as kube-apiserver's transformer
    /// errors (500, "unable to transform key ...") when the value names an unknown key or fails authentication.
    /// </summary>
    public ReadOnlyMemory<byte> Decrypt(string storageKey, ReadOnlyMemory<byte> stored)
    {
        var span = stored.Span;
        if (!span.StartsWith(Encoding.ASCII.GetBytes(EncryptedPrefix))) return stored;
        if (!span.StartsWith(Encoding.ASCII.GetBytes(ProviderPrefix)))
            throw Unreadable(storageKey, "no matching prefix found (only aesgcm:v1 is configured)");
        var rest = span[ProviderPrefix.Length..];
        var colon = rest.IndexOf((byte)':');
        if (colon <= 0) throw Unreadable(storageKey, "the value names no key");
        var name = Encoding.ASCII.GetString(rest[..colon]);
        if (!_byName.TryGetValue(name, out var key))
            throw Unreadable(storageKey, $"the value was encrypted with key \"{name}\", which is not in the secrets encryption key file");
        var body = rest[(colon + 1)..];
        if (body.Length < NonceSize + TagSize) throw Unreadable(storageKey, "the data is too short");
        var plaintext = new byte[body.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key.Material, TagSize);
            aes.Decrypt(body[..NonceSize], body[NonceSize..^TagSize], body[^TagSize..], plaintext, Encoding.UTF8.GetBytes(storageKey));
        }
        catch (CryptographicException)
        {
            throw Unreadable(storageKey, "cipher: message authentication failed");
        }
        return plaintext;
    }

    private static ApiException Unreadable(string storageKey, string why) =>
        ApiException.Internal($"Internal error occurred: unable to transform key \"{storageKey}\": {why}");
}
