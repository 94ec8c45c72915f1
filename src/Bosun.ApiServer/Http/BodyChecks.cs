using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>Checks every object body goes through before it reaches the store: type, namespace, unknown fields.</summary>
internal static class BodyChecks
{
    /// <summary>apiVersion and kind must name this endpoint's kind when given; missing ones are filled in.</summary>
    public static void TypeMeta(JsonObject body, ResourceRegistration reg)
    {
        var apiVersion = body.Str("apiVersion");
        var kind = body.Str("kind");
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != reg.ApiVersion)
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({reg.ApiVersion})");
        if (!string.IsNullOrEmpty(kind) && kind != reg.Kind)
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({reg.Kind})");
        if (body["metadata"] is not (null or JsonObject))
            throw ApiException.BadRequest($"{reg.Kind} in version \"{reg.Version}\" cannot be handled as a {reg.Kind}: metadata must be an object");
        ObjectCodec.SetTypeMeta(body, reg);
    }

    /// <summary>An update's body names the object of its URL (kube-apiserver's checkName): an empty name does not match.</summary>
    public static void NameAndNamespaceMatchUrl(JsonObject body, ResourceRegistration reg, string name, string? urlNamespace)
    {
        var meta = body.Obj("metadata");
        var bodyName = meta.Str("name") ?? "";
        if (bodyName != name)
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        var bodyNs = meta.Str("namespace");
        if (reg.Namespaced && !string.IsNullOrEmpty(urlNamespace) && !string.IsNullOrEmpty(bodyNs) && bodyNs != urlNamespace)
            throw ApiException.BadRequest($"the namespace of the object ({bodyNs}) does not match the namespace on the URL ({urlNamespace})");
    }

    /// <summary>The body's namespace must match the URL's; the URL's wins when the body has none.</summary>
    public static string? Namespace(JsonObject body, ResourceRegistration reg, string? urlNamespace)
    {
        if (!reg.Namespaced) return null;
        var meta = body.Ensure("metadata");
        var bodyNs = meta.Str("namespace");
        if (urlNamespace is null)
            throw ApiException.BadRequest($"{reg.Resource} must be created in a namespace: use /namespaces/<namespace>/{reg.Resource}");
        if (!string.IsNullOrEmpty(bodyNs) && bodyNs != urlNamespace)
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        meta["namespace"] = urlNamespace;
        return urlNamespace;
    }

    /// <summary>
    /// <c>fieldValidation</c>: Strict → 400 on unknown fields, Warn (the default for clients that do not say) →
    /// warnings, Ignore → nothing.
    /// </summary>
    public static IReadOnlyList<string> FieldValidation(HttpContext ctx, JsonObject body, ResourceRegistration reg, string optionsKind)
    {
        var mode = ctx.Request.Query.Get("fieldValidation") ?? "Warn";
        if (mode.Length == 0) mode = "Warn";
        if (mode is not ("Strict" or "Warn" or "Ignore"))
            throw ApiException.InvalidOptions(optionsKind, FieldError.NotSupported("fieldValidation", mode, ["", "Ignore", "Strict", "Warn"]));
        if (mode == "Ignore") return [];
        var unknown = OpenApi.UnknownFields.Find(body, reg.ModelType);
        if (unknown.Count == 0) return [];
        var messages = unknown.Select(f => $"unknown field \"{f}\"").ToList();
        if (mode == "Strict")
            throw ApiException.BadRequest($"{reg.Kind} in version \"{reg.Version}\" cannot be handled as a {reg.Kind}: strict decoding error: {string.Join(", ", messages)}");
        return messages;
    }
}
