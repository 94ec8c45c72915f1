using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Tables;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>Writes objects, lists and their server-side Table form (<c>Accept: …;as=Table</c>).</summary>
internal sealed class ResponseWriter(TimeProvider time)
{
    public const string TableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    public static bool WantsTable(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("as=Table", StringComparison.Ordinal));

    public Task ObjectAsync(HttpContext ctx, JsonObject obj, int code) => BytesAsync(ctx, Json.ToBytes(obj), code);

    public async Task BytesAsync(HttpContext ctx, byte[] body, int code, string contentType = "application/json")
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = contentType;
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }

    public Task ObjectOrTableAsync(HttpContext ctx, ResourceRegistration reg, JsonObject obj, int code)
    {
        if (!WantsTable(ctx.Request)) return ObjectAsync(ctx, obj, code);
        var table = TableWriter.Write(TableConvertors.For(reg.Group, reg.Resource), [obj],
            new TableListMeta(obj.Obj("metadata").Str("resourceVersion")), IncludeObject(ctx), time.GetUtcNow());
        return BytesAsync(ctx, table, code, TableContentType);
    }

    public Task ListOrTableAsync(HttpContext ctx, ResourceRegistration reg, ListResult list)
    {
        var rv = ObjectCodec.FormatRevision(list.Revision);
        if (WantsTable(ctx.Request))
        {
            var table = TableWriter.Write(TableConvertors.For(reg.Group, reg.Resource), list.Items,
                new TableListMeta(rv, list.Continue, list.RemainingItemCount), IncludeObject(ctx), time.GetUtcNow());
            return BytesAsync(ctx, table, 200, TableContentType);
        }
        return BytesAsync(ctx, WriteList(reg, list, rv), 200);
    }

    private static byte[] WriteList(ResourceRegistration reg, ListResult list, string rv)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", reg.ListKind);
            w.WriteString("apiVersion", reg.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", rv);
            if (list.Continue is not null) w.WriteString("continue", list.Continue);
            if (list.RemainingItemCount is { } remaining) w.WriteNumber("remainingItemCount", remaining);
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in list.Items) item.WriteTo(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static IncludeObjectPolicy IncludeObject(HttpContext ctx) => ctx.Request.Query.Get("includeObject") switch
    {
        "None" => IncludeObjectPolicy.None,
        "Object" => IncludeObjectPolicy.Object,
        null or "" or "Metadata" => IncludeObjectPolicy.Metadata,
        var other => throw Errors.ApiException.BadRequest($"includeObject: Unsupported value: \"{other}\": supported values: \"None\", \"Metadata\", \"Object\""),
    };

    /// <summary>Field validation warnings become <c>Warning: 299 - "…"</c> headers, which kubectl prints.</summary>
    public void AddWarnings(HttpContext ctx, IReadOnlyList<string> warnings)
    {
        foreach (var w in warnings) ctx.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\"", "\\\"")}\"");
    }
}
