using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Patch;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>
/// Serves every resource URL: maps the HTTP method and path to a verb and runs it on the resource's
/// <see cref="GenericStore"/>; the scale and eviction subresources go to their own handlers. Bodies, query options and responses are Kubernetes' wire formats.
/// </summary>
internal sealed class ResourceHandler(ResourceCatalog catalog, WatchStreamer watches, ResponseWriter responses, NodeProxy.PodSubresources podProxy,
    Security.ServiceAccounts.ServiceAccountTokens? tokens = null)
{
    private readonly Security.ServiceAccounts.TokenRequestHandler? tokenRequests = tokens is null ? null : new(tokens, catalog, responses);
    private readonly ScaleHandler scales = new(responses);
    private readonly EvictionHandler evictions = new(responses, catalog.Find("policy", "v1", "poddisruptionbudgets"));

    /// <summary>CSR approval (<c>kubectl certificate approve</c>) writes the status conditions, so it is served as a status update.</summary>
    internal const string CsrApproval = "approval";

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
        if (info.Subresource == Security.ServiceAccounts.TokenRequestHandler.Subresource && tokenRequests is not null
            && Security.ServiceAccounts.TokenRequestHandler.Serves(reg) && info.Namespace is not null)
        {
            await tokenRequests.HandleAsync(ctx, info.Namespace, info.Name!, ctx.RequestAborted);
            return;
        }
        if (NodeProxy.PodSubresources.Serves(info.Group, info.Resource, info.Subresource) && info is { Namespace: { } pns, Name: { } pname })
        {
            ctx.Items[RequestMetrics.VerbKey] = info.Subresource == "log" ? "get" : "create";
            ctx.Items[RequestMetrics.ResourceKey] = (reg.Group, reg.Resource);
            await podProxy.HandleAsync(ctx, pns, pname, info.Subresource!);
            return;
        }
        if (info.Subresource is { } sub && !(sub == "status" && reg.HasStatus) && !(sub == "scale" && reg.HasScale)
            && !(sub == CsrApproval && reg.Resource == "certificatesigningrequests")
            && !(sub == "eviction" && reg.Evictable))
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");

        var ct = ctx.RequestAborted;
        var ns = reg.Namespaced ? info.Namespace : null;
        if (info.Subresource == "eviction" && info.Name is { } evicted)
        {
            if (ctx.Request.Method != "POST") throw ApiException.MethodNotAllowed(ctx.Request.Method, reg.Resource);
            ctx.Items[RequestMetrics.VerbKey] = "create";
            ctx.Items[RequestMetrics.ResourceKey] = (reg.Group, reg.Resource);
            await evictions.HandleAsync(ctx, store, ns, evicted, ct);
            return;
        }

        var verb = Verb(ctx.Request.Method, info, ctx.Request.Query);
        ctx.Items[RequestMetrics.VerbKey] = verb;
        ctx.Items[RequestMetrics.ResourceKey] = (reg.Group, reg.Resource);
        if (info.Subresource == "scale")
        {
            await scales.HandleAsync(ctx, store, ns, info.Name!, verb, WriteOptions(ctx, verb == "update" ? "UpdateOptions" : "PatchOptions"), ct);
            return;
        }

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
        var warnings = BodyChecks.FieldValidation(ctx, body, reg, "CreateOptions");
        var ns = BodyChecks.Namespace(body, reg, info.Namespace);
        var created = await store.CreateServedAsync(ns, body, WriteOptions(ctx, "CreateOptions"), ct);
        responses.AddWarnings(ctx, warnings);
        if (created.Json is { } json) await responses.BytesAsync(ctx, json, 201);
        else await responses.ObjectAsync(ctx, created.Object, 201);
    }

    private async Task UpdateAsync(HttpContext ctx, GenericStore store, string? ns, RequestInfo info, CancellationToken ct)
    {
        var reg = store.Registration;
        var body = await RequestBody.ReadObjectAsync(ctx.Request, ct);
        BodyChecks.TypeMeta(body, reg);
        var warnings = BodyChecks.FieldValidation(ctx, body, reg, "UpdateOptions");
        BodyChecks.NameAndNamespaceMatchUrl(body, reg, info.Name!, info.Namespace);
        BodyChecks.Namespace(body, reg, info.Namespace);
        var kind = info.Subresource is "status" or CsrApproval ? UpdateKind.Status : UpdateKind.Main;
        // A uid in the body is a precondition (rest.DefaultUpdatedObjectInfo.Preconditions).
        var uid = body.Obj("metadata").Str("uid");
        var updated = await store.UpdateAsync(ns, info.Name!, kind, current =>
        {
            var currentUid = current.Obj("metadata").Str("uid");
            if (!string.IsNullOrEmpty(uid) && uid != currentUid)
                throw ApiException.Conflict(reg.Group, reg.Resource, info.Name!,
                    $"Precondition failed: UID in precondition: {uid}, UID in object meta: {currentUid}");
            return body.DeepClone().AsObject();
        }, WriteOptions(ctx, "UpdateOptions"), ct);
        responses.AddWarnings(ctx, warnings);
        await responses.ObjectAsync(ctx, updated, 200);
    }

    private async Task PatchAsync(HttpContext ctx, GenericStore store, string? ns, RequestInfo info, CancellationToken ct)
    {
        var media = RequestBody.MediaType(ctx.Request);
        var force = ctx.Request.Query.Bool("force");
        PatchRequest.CheckForce(media, force);
        var body = await RequestBody.ReadBytesAsync(ctx.Request, ct);
        var status = info.Subresource is "status" or CsrApproval;
        if (media == PatchRequest.ApplyYaml)
        {
            var config = PatchRequest.ReadConfig(body);
            var warnings = BodyChecks.FieldValidation(ctx, config, store.Registration, "PatchOptions");
            // Apply needs an explicit fieldManager: kube validates before defaulting it from the user agent.
            var options = WriteOptions(ctx, "PatchOptions") with { FieldManager = ctx.Request.Query.Get("fieldManager") };
            var (obj, created) = await PatchRequest.ApplyAsync(store, ns, info.Name!, status, config, options, force, ct);
            responses.AddWarnings(ctx, warnings);
            await responses.ObjectAsync(ctx, obj, created ? 201 : 200);
            return;
        }
        var mutate = PatchRequest.Mutation(media, body, store.Registration);
        var pinsVersion = PatchRequest.PinsResourceVersion(media, body);
        var reg = store.Registration;
        IReadOnlyList<string> patchWarnings = [];
        var updated = await store.UpdateAsync(ns, info.Name!, status ? UpdateKind.Status : UpdateKind.Main, current =>
        {
            var patched = mutate(current);
            // Only a patch that names a resourceVersion pins it (a lost race is then a 409); any other patch is
            // re-applied to the winner's state, as kube-apiserver does.
            if (!pinsVersion) patched.Obj("metadata")?.Remove("resourceVersion");
            BodyChecks.TypeMeta(patched, reg);
            BodyChecks.NameAndNamespaceMatchUrl(patched, reg, info.Name!, info.Namespace);
            // Unknown fields are judged on the patched object, where no patch directives are left.
            patchWarnings = BodyChecks.FieldValidation(ctx, patched, reg, "PatchOptions");
            return patched;
        }, WriteOptions(ctx, "PatchOptions"), ct);
        responses.AddWarnings(ctx, patchWarnings);
        await responses.ObjectAsync(ctx, updated, 200);
    }

    private async Task DeleteAsync(HttpContext ctx, GenericStore store, string? ns, string name, CancellationToken ct)
    {
        var options = await DeleteOptionsParser.ReadAsync(ctx, ct) with { User = Security.HttpContextUserExtensions.GetUser(ctx) };
        var result = await store.DeleteAsync(ns, name, options, ct);
        var reg = store.Registration;
        if (reg.ReturnsDeletedObject || !result.Deleted)
            await responses.ObjectAsync(ctx, result.Object, 200);
        else
            await responses.BytesAsync(ctx, StatusWriter.DeleteSuccess(reg.Group, reg.Resource, name, result.Object.Obj("metadata").Str("uid")), 200);
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, GenericStore store, string? ns, CancellationToken ct)
    {
        var options = await DeleteOptionsParser.ReadAsync(ctx, ct) with { User = Security.HttpContextUserExtensions.GetUser(ctx) };
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

    private static WriteOptions WriteOptions(HttpContext ctx, string optionsKind) => new()
    {
        DryRun = ctx.Request.Query.DryRun(optionsKind),
        // kube names an unnamed writer after its user agent (prefixFromUserAgent).
        FieldManager = ctx.Request.Query.Get("fieldManager") ?? ManagedFields.FromUserAgent(ctx.Request.Headers.UserAgent.ToString()),
        User = Security.HttpContextUserExtensions.GetUser(ctx),
    };
}
