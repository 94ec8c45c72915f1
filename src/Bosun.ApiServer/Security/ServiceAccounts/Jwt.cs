using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Security.ServiceAccounts;

/// <summary>Compact JWS with RS256 only: the one algorithm Bosun signs with, and so the only one it accepts.</summary>
internal static class Jwt
{
    /// <summary>Tokens above this size are not parsed at all (a header limit, not a JWT rule).</summary>
    private const int MaxLength = 16 * 1024;

    public static string Sign(JsonObject payload, RSA key, string keyId)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = keyId };
        var signingInput = Encode(header) + "." + Encode(payload);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>
    /// The payload when <paramref name="token"/> is a well-formed RS256 JWS whose signature <paramref name="key"/>
    /// verifies; null for anything else (other algorithms, <c>none</c>, bad base64, bad JSON, wrong signature).
    /// </summary>
    public static JsonObject? Verify(string token, RSA key)
    {
        if (token.Length > MaxLength) return null;
        var parts = token.Split('.');
        if (parts.Length != 3) return null;
        var header = DecodeObject(parts[0]);
        if (header?["alg"] is not JsonValue alg || alg.GetValueKind() != JsonValueKind.String || alg.GetValue<string>() != "RS256")
            return null;
        if (!TryDecode(parts[2], out var signature)) return null;
        var signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) return null;
        return DecodeObject(parts[1]);
    }

    /// <summary>Whether <paramref name="token"/> has the shape of a JWT (three base64url parts, a JSON header): other authenticators' tokens do not.</summary>
    public static bool LooksLikeJwt(string token) => token.Length <= MaxLength && token.Count(c => c == '.') == 2 && DecodeObject(token[..token.IndexOf('.')]) is not null;

    private static string Encode(JsonObject o) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(o.ToJsonString()));

    private static JsonObject? DecodeObject(string part)
    {
        if (!TryDecode(part, out var bytes)) return null;
        try
        {
            return JsonNode.Parse(bytes) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool TryDecode(string part, out byte[] bytes)
    {
        bytes = [];
        if (part.Length == 0 || !Base64Url.IsValid(part)) return false;
        bytes = Base64Url.DecodeFromChars(part);
        return true;
    }
}
