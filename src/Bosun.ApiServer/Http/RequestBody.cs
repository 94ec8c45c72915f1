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
        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and var n ? (int)n : 4096);
        var stream = request.Body;
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await stream.ReadAsync(memory, ct);
            if (read == 0) break;
            buffer.Advance(read);
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
        var members = new Stack<HashSet<string>>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: members.Push(new HashSet<string>(StringComparer.Ordinal)); break;
                case JsonTokenType.EndObject: members.Pop(); break;
                case JsonTokenType.PropertyName:
                    var name = ReadString(ref reader);
                    if (!members.Peek().Add(name)) throw ApiException.BadRequest($"error decoding request body: json: duplicate field \"{name}\"");
                    break;
                case JsonTokenType.String: ReadString(ref reader); break;
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
