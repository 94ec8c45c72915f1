using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// The opaque <c>continue</c> value of paged lists: the revision the first page was read at and the key to start
/// from (relative to the list prefix), as kube-apiserver encodes it.
/// </summary>
internal static partial class ContinueToken
{
    public static string Encode(long revision, string startRelative)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Token("meta.k8s.io/v1", revision, startRelative), TokenJson.Default.Token);
        return Base64Url.EncodeToString(json);
    }

    public static (long Revision, string StartRelative) Decode(string token)
    {
        try
        {
            var json = Base64Url.DecodeFromChars(token);
            var t = JsonSerializer.Deserialize(json, TokenJson.Default.Token);
            if (t is null || t.v != "meta.k8s.io/v1" || t.rv <= 0 || t.start is null)
                throw new FormatException("unrecognized token");
            if (t.start.Contains("..", StringComparison.Ordinal) || t.start.StartsWith('/'))
                throw new FormatException("invalid start key");
            return (t.rv, t.start);
        }
        catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
        {
            throw ApiException.BadRequest($"continue key is not valid: {e.Message}");
        }
    }

    private sealed record Token(string v, long rv, string start);

    /// <summary>Generated, so the native build (which keeps no metadata for reflection over this record) reads it too.</summary>
    [System.Text.Json.Serialization.JsonSerializable(typeof(Token))]
    private sealed partial class TokenJson : System.Text.Json.Serialization.JsonSerializerContext;
}
