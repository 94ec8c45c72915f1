using System.Security.Cryptography;

namespace Bosun.ApiServer.Security.Encryption;

/// <summary>
/// The AES-256 keys that encrypt Secrets at rest, one <c>name:base64</c> line each in <c>&lt;state-dir&gt;/cred/secrets-encryption.key</c>
/// (0600). The first line is the key new writes use; later lines stay readable so that a rotated-out key still decrypts
/// old values (kube-apiserver's EncryptionConfiguration keeps its providers in the same order).
/// </summary>
public static class SecretsKeyFile
{
    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, "cred", "secrets-encryption.key");

    /// <summary>Reads the key file, or makes one with a single random key named <c>key-&lt;unix time&gt;</c> when it is missing.</summary>
    public static IReadOnlyList<SecretsKey> LoadOrCreate(string path, TimeProvider time)
    {
        if (!File.Exists(path))
        {
            var name = $"key-{time.GetUtcNow().ToUnixTimeSeconds()}";
            SecureFiles.WriteAllText(path, Format(new SecretsKey(name, RandomNumberGenerator.GetBytes(SecretsKey.Size))), SecureFiles.Private);
        }
        return Parse(File.ReadAllText(path), path);
    }

    public static string Format(SecretsKey key) => $"{key.Name}:{Convert.ToBase64String(key.Material)}\n";

    /// <summary>Throws <see cref="FormatException"/> naming the file and line when a line is not <c>name:base64(32 bytes)</c>.</summary>
    public static IReadOnlyList<SecretsKey> Parse(string text, string source)
    {
        var keys = new List<SecretsKey>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var colon = line.IndexOf(':');
            byte[]? material = null;
            if (colon > 0)
            {
                try { material = Convert.FromBase64String(line[(colon + 1)..]); }
                catch (FormatException) { material = null; }
            }
            var name = colon > 0 ? line[..colon] : "";
            if (material is not { Length: SecretsKey.Size } || !SecretsKey.IsValidName(name))
                throw new FormatException($"{source} line {i + 1}: want NAME:BASE64 with a 32-byte AES key and a name of letters, digits, '-' or '_'");
            keys.Add(new SecretsKey(name, material));
        }
        if (keys.Count == 0) throw new FormatException($"{source} holds no key");
        return keys;
    }
}

/// <summary>One named AES-256 key.</summary>
public sealed record SecretsKey(string Name, byte[] Material)
{
    public const int Size = 32;

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
