using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>Reads request bodies: at most 3 MiB (kube-apiserver's limit), JSON, YAML or Kubernetes protobuf, always into a JSON tree.</summary>
internal static class RequestBody
{
    public const int MaxBytes = 3 * 1024 * 1024;

    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBytes) throw ApiException.TooLarge();
        var stream = request.Body;
        if (request.ContentLength is { } length)
        {
            // The usual case (kubectl and client-go always say how long the body is): one array of exactly that size.
            // The server enforces the declared length (a longer or shorter body fails the request), so no check here.
            var body = new byte[length];
            var read = 0;
            while (read < body.Length)
            {
                var n = await stream.ReadAsync(body.AsMemory(read), ct);
                if (n == 0) return body[..read];
                read += n;
            }
            return body;
        }
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            // A hint no larger than what is already free: asking for 16 KiB here grew every small body's buffer to 16 KiB.
            var memory = buffer.GetMemory(Math.Max(buffer.FreeCapacity, 1024));
            var chunk = await stream.ReadAsync(memory, ct);
            if (chunk == 0) break;
            buffer.Advance(chunk);
            if (buffer.WrittenCount > MaxBytes) throw ApiException.TooLarge();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The media type without parameters, lower case: <c>application/json</c>.</summary>
    public static string MediaType(HttpRequest request)
    {
        var ct = request.ContentType;
        if (string.IsNullOrEmpty(ct)) return "application/json";
        var semi = ct.IndexOf(';');
        return (semi < 0 ? ct : ct[..semi]).Trim().ToLowerInvariant();
    }

    /// <summary>An object body (create, update), as JSON, YAML or Kubernetes protobuf; 415 for anything else.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        var media = MediaType(request);
        var bytes = await ReadBytesAsync(request, ct);
        return media switch
        {
            "application/json" or "*/*" => ParseJsonObject(bytes),
            "application/yaml" or "application/x-yaml" or "text/yaml" => ParseYamlObject(bytes),
            ProtobufDecoder.MediaType => ProtobufDecoder.Decode(bytes).Object,
            _ => throw ApiException.UnsupportedMediaType(media),
        };
    }

    /// <summary>A YAML object body; what is wrong with it is a 400.</summary>
    public static JsonObject ParseYamlObject(byte[] bytes)
    {
        try
        {
            return YamlJson.ParseObject(bytes, "the request body");
        }
        catch (FormatException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }

    public static JsonObject ParseJsonObject(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) throw ApiException.BadRequest("the request body is empty; an object is required");
        try
        {
            CheckMembersAndStrings(bytes);
            return JsonNode.Parse(bytes, documentOptions: Json.DocumentOptions) as JsonObject
                ?? throw ApiException.BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"error decoding request body: {e.Message}");
        }
    }

    /// <summary>
    /// Rejects what the lazily built JSON tree would otherwise fail on later, as a 500: an object with a member twice,
    /// and strings that are not valid UTF-16 (a lone surrogate escape).
    /// </summary>
    private static void CheckMembersAndStrings(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = Json.DocumentOptions.MaxDepth });
        // Every body goes through here: reuse the per-object name sets rather than allocating one per object.
        var members = memberSets ??= new MemberSets();
        members.Depth = 0;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: members.Push(); break;
                    case JsonTokenType.EndObject: members.Depth--; break;
                    case JsonTokenType.PropertyName:
                        var name = ReadString(ref reader);
                        if (!members.Current.Add(name)) throw ApiException.BadRequest($"error decoding request body: json: duplicate field \"{name}\"");
                        break;
                    case JsonTokenType.String:
                        // Plain ASCII without escapes is always a valid string; only the others need decoding to be checked.
                        if (reader.ValueIsEscaped || reader.HasValueSequence || !System.Text.Ascii.IsValid(reader.ValueSpan)) ReadString(ref reader);
                        break;
                }
            }
        }
        finally
        {
            members.Clear();
        }
    }

    [ThreadStatic]
    private static MemberSets? memberSets;

    /// <summary>One set of member names per open object, kept for reuse by the thread.</summary>
    private sealed class MemberSets
    {
        private readonly List<HashSet<string>> sets = [];

        public int Depth { get; set; }

        public HashSet<string> Current => sets[Depth - 1];

        public void Push()
        {
            if (Depth == sets.Count) sets.Add(new HashSet<string>(StringComparer.Ordinal));
            else sets[Depth].Clear();
            Depth++;
        }

        /// <summary>Forgets the names (a thread must not keep a large body's strings alive); huge sets are dropped.</summary>
        public void Clear()
        {
            if (sets.Count > 16) sets.RemoveRange(16, sets.Count - 16);
            foreach (var set in sets)
            {
                set.Clear();
                if (set.EnsureCapacity(0) > 256) set.TrimExcess();
            }
        }
    }

    private static string ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw ApiException.BadRequest($"error decoding request body: {e.Message}");
        }
    }

    public static JsonNode ParseJson(ReadOnlySpan<byte> bytes)
    {
        try
        {
            CheckMembersAndStrings(bytes);
            return JsonNode.Parse(bytes, documentOptions: Json.DocumentOptions)
                ?? throw ApiException.BadRequest("the request body must not be null");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"error decoding request body: {e.Message}");
        }
    }
}
