using System.Globalization;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.OpenApi;

/// <summary>
/// Generates the REST paths and operations of resources in Kubernetes' layout: collection, item and subresource paths
/// with path-level <c>name</c>/<c>namespace</c>/<c>pretty</c> parameters and operation-level query parameters.
/// kubectl create/apply/replace look for a PATCH operation tagged with the kind's GVK that declares
/// <c>fieldValidation</c> before sending <c>?fieldValidation=Strict</c>.
/// </summary>
internal sealed class PathGenerator
{
    private static readonly string[] PatchContentTypes =
    [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ];

    private static readonly string[] ResponseContentTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];

    private readonly OpenApiFlavor _flavor;
    private readonly SchemaGenerator _schemas;

    public PathGenerator(OpenApiFlavor flavor, SchemaGenerator schemas)
    {
        _flavor = flavor;
        _schemas = schemas;
    }

    /// <summary>Adds every path of <paramref name="resource"/> to <paramref name="paths"/>.</summary>
    public void Add(JsonObject paths, OpenApiResource resource)
    {
        var root = resource.Group.Length == 0 ? "/api/" + resource.Version : "/apis/" + resource.Group + "/" + resource.Version;
        var collection = resource.Namespaced ? root + "/namespaces/{namespace}/" + resource.Resource : root + "/" + resource.Resource;
        var item = collection + "/{name}";
        var gvk = SchemaGenerator.Gvk(resource.Group, resource.Version, resource.Kind);
        var id = OperationSuffix(resource.Group, resource.Version) + (resource.Namespaced ? "Namespaced" : string.Empty) + resource.Kind;
        var verbs = new HashSet<string>(resource.Verbs, StringComparer.Ordinal);

        var collectionOps = new JsonObject();
        if (verbs.Contains("list"))
        {
            collectionOps["get"] = Operation("list" + id, "list", gvk, ListParameters(), null, Responses(resource.ListModelType, false));
        }

        if (verbs.Contains("create"))
        {
            collectionOps["post"] = Operation("create" + id, "post", gvk, WriteParameters(false), Body(resource.ModelType), Responses(resource.ModelType, true));
        }

        if (verbs.Contains("deletecollection"))
        {
            collectionOps["delete"] = Operation("deletecollection" + id, "deletecollection", gvk, DeleteParameters(true), Body(typeof(k8s.Models.V1DeleteOptions)), Responses(typeof(k8s.Models.V1Status), false));
        }

        AddPath(paths, collection, collectionOps, resource.Namespaced, false);

        var itemOps = new JsonObject();
        if (verbs.Contains("get"))
        {
            itemOps["get"] = Operation("read" + id, "get", gvk, [], null, Responses(resource.ModelType, false));
        }

        if (verbs.Contains("update"))
        {
            itemOps["put"] = Operation("replace" + id, "put", gvk, WriteParameters(false), Body(resource.ModelType), Responses(resource.ModelType, true));
        }

        if (verbs.Contains("patch"))
        {
            itemOps["patch"] = Operation("patch" + id, "patch", gvk, WriteParameters(true), PatchBody(), Responses(resource.ModelType, true));
        }

        if (verbs.Contains("delete"))
        {
            itemOps["delete"] = Operation("delete" + id, "delete", gvk, DeleteParameters(false), Body(typeof(k8s.Models.V1DeleteOptions)), Responses(typeof(k8s.Models.V1Status), false));
        }

        AddPath(paths, item, itemOps, resource.Namespaced, true);

        if (resource.Namespaced && verbs.Contains("list"))
        {
            var all = new JsonObject
            {
                ["get"] = Operation("list" + OperationSuffix(resource.Group, resource.Version) + resource.Kind + "ForAllNamespaces", "list", gvk, ListParameters(), null, Responses(resource.ListModelType, false)),
            };
            AddPath(paths, root + "/" + resource.Resource, all, false, false);
        }

        foreach (var sub in resource.Subresources)
        {
            AddSubresource(paths, item, id, sub, resource.Namespaced);
        }
    }

    private void AddSubresource(JsonObject paths, string item, string id, OpenApiSubresource sub, bool namespaced)
    {
        var gvk = SchemaGenerator.Gvk(sub.Group, sub.Version, sub.Kind);
        var subId = id + Pascal(sub.Name);
        var ops = new JsonObject();
        foreach (var verb in sub.Verbs.Distinct(StringComparer.Ordinal))
        {
            switch (verb)
            {
                case "get":
                    ops["get"] = Operation((sub.ModelType is null ? "connectGet" : "read") + subId, sub.ModelType is null ? "connect" : "get", gvk, [], null, Responses(sub.ModelType, false));
                    break;
                case "update" when sub.ModelType is not null:
                    ops["put"] = Operation("replace" + subId, "put", gvk, WriteParameters(false), Body(sub.ModelType), Responses(sub.ModelType, true));
                    break;
                case "patch" when sub.ModelType is not null:
                    ops["patch"] = Operation("patch" + subId, "patch", gvk, WriteParameters(true), PatchBody(), Responses(sub.ModelType, true));
                    break;
                case "create":
                    ops["post"] = Operation((sub.ModelType is null ? "connectPost" : "create") + subId, sub.ModelType is null ? "connect" : "post", gvk, sub.ModelType is null ? [] : WriteParameters(false), sub.ModelType is null ? null : Body(sub.ModelType), Responses(sub.ModelType, true));
                    break;
                case "delete":
                    ops["delete"] = Operation("delete" + subId, "delete", gvk, DeleteParameters(false), null, Responses(typeof(k8s.Models.V1Status), false));
                    break;
            }
        }

        AddPath(paths, item + "/" + sub.Name, ops, namespaced, true);
    }

    private void AddPath(JsonObject paths, string path, JsonObject operations, bool namespaced, bool named)
    {
        if (operations.Count == 0)
        {
            return;
        }

        var parameters = new JsonArray();
        if (named)
        {
            parameters.Add(Parameter("name", "path", "name of the resource", required: true));
        }

        if (namespaced)
        {
            parameters.Add(Parameter("namespace", "path", "object name and auth scope, such as for teams and projects", required: true));
        }

        parameters.Add(Parameter("pretty", "query", "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."));
        operations["parameters"] = parameters;
        paths[path] = operations;
    }

    private JsonObject Operation(string operationId, string action, JsonObject gvk, JsonObject[] parameters, JsonObject? body, JsonObject responses)
    {
        var consumes = action == "patch" ? PatchContentTypes : ["*/*"];
        var op = new JsonObject
        {
            ["operationId"] = operationId,
            ["description"] = action + " the specified " + gvk["kind"]!.GetValue<string>(),
        };
        var queryParameters = new JsonArray();
        foreach (var p in parameters)
        {
            queryParameters.Add(p);
        }

        if (body is not null && _flavor == OpenApiFlavor.V2)
        {
            queryParameters.Insert(0, body);
        }

        if (queryParameters.Count > 0)
        {
            op["parameters"] = queryParameters;
        }

        if (body is not null && _flavor == OpenApiFlavor.V3)
        {
            op["requestBody"] = body;
        }

        if (_flavor == OpenApiFlavor.V2)
        {
            op["consumes"] = new JsonArray(consumes.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
            op["produces"] = new JsonArray(ResponseContentTypes.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
            op["schemes"] = new JsonArray("https");
        }

        op["responses"] = responses;
        op["x-kubernetes-action"] = action;
        op["x-kubernetes-group-version-kind"] = gvk.DeepClone();
        return op;
    }

    private JsonObject Body(Type modelType) => BodyWith(_schemas.RefTo(modelType), ["*/*"]);

    private JsonObject PatchBody() => BodyWith(_schemas.RefToPatch(), PatchContentTypes);

    private JsonObject BodyWith(JsonObject schemaRef, string[] contentTypes)
    {
        if (_flavor == OpenApiFlavor.V2)
        {
            // Swagger 2.0 lists request media types on the operation ("consumes"), not on the body parameter.
            return new JsonObject
            {
                ["name"] = "body",
                ["in"] = "body",
                ["required"] = true,
                ["schema"] = schemaRef,
            };
        }

        var content = new JsonObject();
        foreach (var type in contentTypes)
        {
            content[type] = new JsonObject { ["schema"] = schemaRef.DeepClone() };
        }

        return new JsonObject { ["content"] = content, ["required"] = true };
    }

    private JsonObject Responses(Type? modelType, bool created)
    {
        var schema = modelType is null ? new JsonObject { ["type"] = "string" } : _schemas.RefTo(modelType);
        var responses = new JsonObject { ["200"] = Response("OK", schema) };
        if (created)
        {
            responses["201"] = Response("Created", schema);
        }

        responses["401"] = new JsonObject { ["description"] = "Unauthorized" };
        return responses;
    }

    private JsonObject Response(string description, JsonObject schema)
    {
        if (_flavor == OpenApiFlavor.V2)
        {
            return new JsonObject { ["description"] = description, ["schema"] = schema.DeepClone() };
        }

        var content = new JsonObject();
        foreach (var type in ResponseContentTypes)
        {
            content[type] = new JsonObject { ["schema"] = schema.DeepClone() };
        }

        return new JsonObject { ["description"] = description, ["content"] = content };
    }

    private JsonObject[] WriteParameters(bool patch)
    {
        var list = new List<JsonObject>
        {
            Parameter("dryRun", "query", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed"),
            Parameter("fieldManager", "query", "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint."),
            Parameter("fieldValidation", "query", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered."),
        };
        if (patch)
        {
            list.Add(Parameter("force", "query", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.", type: "boolean"));
        }

        return [.. list];
    }

    private JsonObject[] ListParameters() =>
    [
        Parameter("allowWatchBookmarks", "query", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", type: "boolean"),
        Parameter("continue", "query", "The continue option should be set when retrieving more results from the server."),
        Parameter("fieldSelector", "query", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
        Parameter("labelSelector", "query", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
        Parameter("limit", "query", "limit is a maximum number of responses to return for a list call.", type: "integer"),
        Parameter("resourceVersion", "query", "resourceVersion sets a constraint on what resource versions a request may be served from."),
        Parameter("resourceVersionMatch", "query", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
        Parameter("sendInitialEvents", "query", "`sendInitialEvents=true` may be set together with `watch=true`.", type: "boolean"),
        Parameter("timeoutSeconds", "query", "Timeout for the list/watch call.", type: "integer"),
        Parameter("watch", "query", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", type: "boolean"),
    ];

    private JsonObject[] DeleteParameters(bool collection)
    {
        var list = new List<JsonObject>
        {
            Parameter("dryRun", "query", "When present, indicates that modifications should not be persisted."),
            Parameter("gracePeriodSeconds", "query", "The duration in seconds before the object should be deleted.", type: "integer"),
            Parameter("propagationPolicy", "query", "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
        };
        if (collection)
        {
            list.AddRange(ListParameters().Where(p => p["name"]!.GetValue<string>() is not ("watch" or "allowWatchBookmarks")));
        }

        return [.. list];
    }

    private JsonObject Parameter(string name, string location, string description, bool required = false, string type = "string")
    {
        var p = new JsonObject { ["name"] = name, ["in"] = location, ["description"] = description };
        if (required)
        {
            p["required"] = true;
        }

        if (_flavor == OpenApiFlavor.V3)
        {
            p["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true };
        }
        else
        {
            p["type"] = type;
            p["uniqueItems"] = true;
        }

        return p;
    }

    /// <summary>Upstream operation-id infix: "" → CoreV1, "rbac.authorization.k8s.io"/v1 → RbacAuthorizationV1.</summary>
    public static string OperationSuffix(string group, string version)
    {
        var g = group.Length == 0 ? "core" : group.EndsWith(".k8s.io", StringComparison.Ordinal) ? group[..^".k8s.io".Length] : group;
        return string.Concat(g.Split('.', '-').Select(Pascal)) + Pascal(version);
    }

    private static string Pascal(string s) =>
        s.Length == 0 ? s : char.ToUpper(s[0], CultureInfo.InvariantCulture) + s[1..];
}
