using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Bosun.ApiServer.Security.Bootstrap;

/// <summary>
/// A bootstrap token <c>&lt;id&gt;.&lt;secret&gt;</c> (6 and 16 characters of [a-z0-9]) and the kube-system Secret
/// <c>bootstrap-token-&lt;id&gt;</c> of type <c>bootstrap.kubernetes.io/token</c> that holds it (kubeadm's layout).
/// </summary>
public static partial class BootstrapToken
{
    public const string SecretType = "bootstrap.kubernetes.io/token";
    public const string SecretPrefix = "bootstrap-token-";
    public const string Namespace = "kube-system";
    public const string UserPrefix = "system:bootstrap:";
    public const string Group = "system:bootstrappers";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    [GeneratedRegex("^([a-z0-9]{6})\\.([a-z0-9]{16})$")]
    private static partial Regex Shape();

    /// <summary>The id and secret of a well-formed token; null otherwise.</summary>
    public static (string Id, string Secret)? Parse(string token)
    {
        var m = Shape().Match(token);
        return m.Success ? (m.Groups[1].Value, m.Groups[2].Value) : null;
    }

    public static string Generate() => Random(6) + "." + Random(16);

    private static string Random(int length) => string.Create(length, 0, (span, _) =>
    {
        for (var i = 0; i < span.Length; i++) span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
    });

    /// <summary>The Secret for <paramref name="token"/>: usable for authentication and signing, expiring after <paramref name="ttl"/> (none when null).</summary>
    public static k8s.Models.V1Secret Secret(string token, TimeSpan? ttl, DateTimeOffset now, string description = "bootstrap token for joining nodes")
    {
        var (id, secret) = Parse(token) ?? throw new ArgumentException("a bootstrap token must look like [a-z0-9]{6}.[a-z0-9]{16}", nameof(token));
        var data = new Dictionary<string, string>
        {
            ["description"] = description,
            ["token-id"] = id,
            ["token-secret"] = secret,
            ["usage-bootstrap-authentication"] = "true",
            ["usage-bootstrap-signing"] = "true",
            ["auth-extra-groups"] = "system:bootstrappers:bosun:default-node-token",
        };
        if (ttl is { } t) data["expiration"] = (now + t).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return new k8s.Models.V1Secret
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = SecretPrefix + id, NamespaceProperty = Namespace },
            Type = SecretType,
            StringData = data,
        };
    }
}
