using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Patch;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>
/// Serves every resource URL: maps the HTTP method and path to a verb and runs it on the resource's
/// <see cref="GenericStore"/>. Bodies, query options and responses are Kubernetes' wire formats.
/// </summary>
internal sealed class ResourceHandler(ResourceCatalog catalog, WatchStreamer watches, ResponseWriter responses)
{
    public async Task HandleAsync(HttpContext ctx, RequestInfo info)
    {
        var store = catalog.Find(info.Group, info.Version, info.Resource)
            ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        var reg = store.Registration;
        if (reg.Namespaced == false && info.Namespace is not null)
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        if (info.Subresource == PodBinding.Subresource && PodBinding.Serves(reg) && info.Namespace is not null)
        {
            await PodBinding.HandleAsync(ctx, store, info, responses, ctx.RequestAborted);
            return;
        }
        if (info.Subresource is { } sub && !(sub == "status" && reg.HasStatus))
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");

        var verb = Verb(ctx.Request.Method, info, ctx.Request.Query);
        ctx.Items[RequestMetrics.VerbKey] = verb;
        ctx.Items[RequestMetrics.ResourceKey] = (reg.Group, reg.Resource);
        var ct = ctx.RequestAborted;
        var ns = reg.Namespaced ? info.Namespace : null;

        switch (verb)
        {
            case "get": await GetAsync(ctx, store, ns, info.Name!, ct); break;
            case "list": await ListAsync(ctx, store, ns, ct); break;
            case "watch": await watches.StreamAsync(ctx, store, ns, info.Name, ct); break;
            case "create": await CreateAsync(ctx, store, info, ct); break;
            case "update": await UpdateAsync(ctx, store, ns, info, ct); break;
            case "patch": await PatchAsync(ctx, store, ns, info, ct); break;
            case "delete": await DeleteAsync(ctx, store, ns, info.Name!, ct); break;
            case "deletecollection": await DeleteCollectionAsync(ctx, store, ns, ct); break;
            default: throw ApiException.MethodNotAllowed(verb, reg.Resource);
        }
    }

    private static string Verb(string method, RequestInfo info, IQueryCollection query) => (method, info.Name) switch
    {
        ("GET", null) => query.Bool("watch") ? "watch" : "list",
        ("GET", _) when query.Bool("watch") => "watch",
        ("GET", _) => "get",
        ("POST", null) => "create",
        ("PUT", not null) => "update",
        ("PATCH", not null) => "patch",
        ("DELETE", null) => "deletecollection",
        ("DELETE", _) => "delete",
        _ => throw ApiException.MethodNotAllowed(method, info.Resource),
    };

    private async Task GetAsync(HttpContext ctx, GenericStore store, string? ns, string name, CancellationToken ct)
    {
        var obj = await store.GetAsync(ns, name, ct);
        await responses.ObjectOrTableAsync(ctx, store.Registration, obj, 200);
    }

    private async Task ListAsync(HttpContext ctx, GenericStore store, string? ns, CancellationToken ct)
    {
        var options = ListOptionsParser.Parse(ctx.Request.Query, store.Registration);
        var result = await store.ListAsync(ns, options, ct);
        await responses.ListOrTableAsync(ctx, store.Registration, result);
    }

    private async Task CreateAsync(HttpContext ctx, GenericStore store, RequestInfo info, CancellationToken ct)
    {
        var reg = store.Registration;
        if (info.Name is not null) throw ApiException.MethodNotAllowed("create", reg.Resource);
        var body = await RequestBody.ReadObjectAsync(ctx.Request, ct);
        BodyChecks.TypeMeta(body, reg);
        var warnings = BodyChecks.FieldValidation(ctx, body, reg);
        var ns = BodyChecks.Namespace(body, reg, info.Namespace);
        var created = await store.CreateAsync(ns, body, WriteOptions(ctx), ct);
        responses.AddWarnings(ctx, warnings);
        await responses.ObjectAsync(ctx, created, 201);
    }

    private async Task UpdateAsync(HttpContext ctx, GenericStore store, string? ns, RequestInfo info, CancellationToken ct)
    {
        var reg = store.Registration;
        var body = await RequestBody.ReadObjectAsync(ctx.Request, ct);
        BodyChecks.TypeMeta(body, reg);
        var warnings = BodyChecks.FieldValidation(ctx, body, reg);
        BodyChecks.Namespace(body, reg, info.Namespace);
        var kind = info.Subresource == "status" ? UpdateKind.Status : UpdateKind.Main;
        var updated = await store.UpdateAsync(ns, info.Name!, kind, _ => body.DeepClone().AsObject(), WriteOptions(ctx), ct);
        responses.AddWarnings(ctx, warnings);
        await responses.ObjectAsync(ctx, updated, 200);
    }

    private async Task PatchAsync(HttpContext ctx, GenericStore store, string? ns, RequestInfo info, CancellationToken ct)
    {
        var media = RequestBody.MediaType(ctx.Request);
        Func<JsonNode, JsonNode, JsonNode> apply = media switch
        {
            "application/merge-patch+json" => (doc, p) => JsonMergePatch.Apply(doc, p)!,
            "application/json-patch+json" => JsonPatch.Apply,
            "application/strategic-merge-patch+json" or "application/apply-patch+yaml" or "application/apply-patch+cbor" =>
                throw new ApiException(415, "UnsupportedMediaType", $"the patch type {media} is not implemented yet"),
            _ => throw new ApiException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json"),
        };
        var patch = RequestBody.ParseJson(await RequestBody.ReadBytesAsync(ctx.Request, ct));
        var kind = info.Subresource == "status" ? UpdateKind.Status : UpdateKind.Main;
        var reg = store.Registration;
        var updated = await store.UpdateAsync(ns, info.Name!, kind, current =>
        {
            var patched = apply(current, patch) as JsonObject
                ?? throw ApiException.BadRequest("the patched object must be a JSON object");
            BodyChecks.TypeMeta(patched, reg);
            return patched;
        }, WriteOptions(ctx), ct);
        await responses.ObjectAsync(ctx, updated, 200);
    }

    private async Task DeleteAsync(HttpContext ctx, GenericStore store, string? ns, string name, CancellationToken ct)
    {
        var options = await DeleteOptionsParser.ReadAsync(ctx, ct);
        var result = await store.DeleteAsync(ns, name, options, ct);
        var reg = store.Registration;
        if (reg.ReturnsDeletedObject || !result.Deleted)
            await responses.ObjectAsync(ctx, result.Object, 200);
        else
            await responses.BytesAsync(ctx, StatusWriter.DeleteSuccess(reg.Group, reg.Resource, name, result.Object.Obj("metadata").Str("uid")), 200);
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, GenericStore store, string? ns, CancellationToken ct)
    {
        var options = await DeleteOptionsParser.ReadAsync(ctx, ct);
        var list = await store.ListAsync(ns, ListOptionsParser.Parse(ctx.Request.Query, store.Registration), ct);
        var deleted = new List<JsonObject>();
        foreach (var item in list.Items)
        {
            var meta = item.Obj("metadata")!;
            try
            {
                deleted.Add((await store.DeleteAsync(meta.Str("namespace"), meta.Str("name")!, options, ct)).Object);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Deleted meanwhile by someone else: the collection delete still succeeds.
            }
        }
        await responses.ListOrTableAsync(ctx, store.Registration, new ListResult(deleted, list.Revision, null, null));
    }

    private static WriteOptions WriteOptions(HttpContext ctx) => new()
    {
        DryRun = ctx.Request.Query.DryRun(),
        FieldManager = ctx.Request.Query.Get("fieldManager"),
    };
}
