using System.Text.Json;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>
/// API discovery: the legacy documents (<c>APIVersions</c>, <c>APIGroupList</c>, <c>APIGroup</c>, <c>APIResourceList</c>)
/// and the aggregated <c>APIGroupDiscoveryList</c> in apidiscovery v2 and v2beta1, chosen by exact content negotiation
/// (kubectl fails on a mislabelled answer). Documents are built once; the served set never changes at run time.
/// </summary>
internal sealed class Discovery
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];
    private const string AggregatedV2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    private const string AggregatedV2Beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    private readonly List<GroupInfo> groups;
    private readonly Dictionary<string, byte[]> resourceLists = [];
    private readonly Dictionary<string, byte[]> groupDocs = [];
    private readonly byte[] apisLegacy;
    private readonly byte[] apiAggregatedV2, apiAggregatedV2Beta1, apisAggregatedV2, apisAggregatedV2Beta1;

    public Discovery(IEnumerable<ResourceRegistration> registrations)
    {
        var regs = registrations.ToList();
        groups = regs.GroupBy(r => r.Group)
            .Select(g => new GroupInfo(g.Key, g.GroupBy(r => r.Version)
                .OrderByDescending(v => v.Any(r => r.Preferred))
                .Select(v => new VersionInfo(v.Key, v.ToList())).ToList()))
            .ToList();
        foreach (var g in groups)
        {
            foreach (var v in g.Versions) resourceLists[GroupVersion(g.Name, v.Version)] = ResourceList(g.Name, v);
            if (g.Name.Length > 0) groupDocs[g.Name] = Write(w => WriteGroup(w, g, withKind: true));
        }
        apisLegacy = Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIGroupList");
            w.WriteString("apiVersion", "v1");
            w.WriteStartArray("groups");
            foreach (var g in groups.Where(g => g.Name.Length > 0)) WriteGroup(w, g, withKind: false);
            w.WriteEndArray();
            w.WriteEndObject();
        });
        apiAggregatedV2 = Aggregated("v2", core: true);
        apiAggregatedV2Beta1 = Aggregated("v2beta1", core: true);
        apisAggregatedV2 = Aggregated("v2", core: false);
        apisAggregatedV2Beta1 = Aggregated("v2beta1", core: false);
    }

    public Task ApiAsync(HttpContext ctx) => Negotiate(ctx, apiAggregatedV2, apiAggregatedV2Beta1, () => ApiVersions(ctx));

    public Task ApisAsync(HttpContext ctx) => Negotiate(ctx, apisAggregatedV2, apisAggregatedV2Beta1, () => apisLegacy);

    public bool TryGetResourceList(string groupVersion, out byte[] body) => resourceLists.TryGetValue(groupVersion, out body!);

    public bool TryGetGroup(string group, out byte[] body) => groupDocs.TryGetValue(group, out body!);

    private static Task Negotiate(HttpContext ctx, byte[] v2, byte[] v2beta1, Func<byte[]> legacy)
    {
        ctx.Response.Headers.Vary = "Accept";
        var (body, type) = AcceptedDiscovery(ctx.Request) switch
        {
            "v2" => (v2, AggregatedV2),
            "v2beta1" => (v2beta1, AggregatedV2Beta1),
            _ => (legacy(), "application/json"),
        };
        ctx.Response.ContentType = type;
        ctx.Response.ContentLength = body.Length;
        return ctx.Response.Body.WriteAsync(body, ctx.RequestAborted).AsTask();
    }

    /// <summary>The first media range in the Accept header that we can serve: "v2", "v2beta1" or "legacy".</summary>
    internal static string AcceptedDiscovery(HttpRequest request)
    {
        foreach (var header in request.Headers.Accept)
        {
            foreach (var range in (header ?? "").Split(','))
            {
                var parts = range.Split(';').Select(p => p.Trim()).ToArray();
                var media = parts[0];
                var p = parts.Skip(1).Select(x => x.Split('=', 2)).Where(x => x.Length == 2)
                    .ToDictionary(x => x[0].Trim(), x => x[1].Trim());
                if (media is "application/json" && p.GetValueOrDefault("g") == "apidiscovery.k8s.io" &&
                    p.GetValueOrDefault("as") == "APIGroupDiscoveryList")
                {
                    var v = p.GetValueOrDefault("v");
                    if (v is "v2" or "v2beta1") return v;
                    continue;
                }
                if (media is "application/json" or "*/*" or "application/*") return "legacy";
            }
        }
        return "legacy";
    }

    private static byte[] ApiVersions(HttpContext ctx)
    {
        var address = $"{ctx.Connection.LocalIpAddress}:{ctx.Connection.LocalPort}";
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIVersions");
            w.WriteStartArray("versions");
            w.WriteStringValue("v1");
            w.WriteEndArray();
            w.WriteStartArray("serverAddressByClientCIDRs");
            w.WriteStartObject();
            w.WriteString("clientCIDR", "0.0.0.0/0");
            w.WriteString("serverAddress", address);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteGroup(Utf8JsonWriter w, GroupInfo g, bool withKind)
    {
        w.WriteStartObject();
        if (withKind)
        {
            w.WriteString("kind", "APIGroup");
            w.WriteString("apiVersion", "v1");
        }
        w.WriteString("name", g.Name);
        w.WriteStartArray("versions");
        foreach (var v in g.Versions) WriteGroupVersion(w, g.Name, v.Version);
        w.WriteEndArray();
        w.WritePropertyName("preferredVersion");
        WriteGroupVersion(w, g.Name, g.Versions[0].Version);
        w.WriteEndObject();
    }

    private static void WriteGroupVersion(Utf8JsonWriter w, string group, string version)
    {
        w.WriteStartObject();
        w.WriteString("groupVersion", GroupVersion(group, version));
        w.WriteString("version", version);
        w.WriteEndObject();
    }

    private static byte[] ResourceList(string group, VersionInfo v) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("kind", "APIResourceList");
        w.WriteString("apiVersion", "v1");
        w.WriteString("groupVersion", GroupVersion(group, v.Version));
        w.WriteStartArray("resources");
        foreach (var r in v.Resources)
        {
            w.WriteStartObject();
            w.WriteString("name", r.Resource);
            w.WriteString("singularName", r.SingularName);
            w.WriteBoolean("namespaced", r.Namespaced);
            w.WriteString("kind", r.Kind);
            WriteStrings(w, "verbs", r.Verbs ?? Verbs);
            if (r.ShortNames.Count > 0) WriteStrings(w, "shortNames", r.ShortNames);
            if (r.Categories.Count > 0) WriteStrings(w, "categories", r.Categories);
            w.WriteEndObject();
            foreach (var (sub, kind, subGroup, subVersion, verbs) in Subresources(r))
            {
                w.WriteStartObject();
                w.WriteString("name", $"{r.Resource}/{sub}");
                w.WriteString("singularName", "");
                w.WriteBoolean("namespaced", r.Namespaced);
                // Kubernetes names the group and version together whenever the subresource's group-version differs.
                if (subGroup != r.Group || subVersion != r.Version)
                {
                    w.WriteString("group", subGroup);
                    w.WriteString("version", subVersion);
                }
                w.WriteString("kind", kind);
                WriteStrings(w, "verbs", verbs);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static readonly string[] CreateOnly = ["create"];

    /// <summary>In Kubernetes' alphabetical order (pods/eviction comes before pods/status).</summary>
    private static IEnumerable<(string Name, string Kind, string Group, string Version, string[] Verbs)> Subresources(ResourceRegistration r)
    {
        if (r.Evictable) yield return ("eviction", "Eviction", "policy", "v1", CreateOnly);
        if (r.HasScale) yield return ("scale", "Scale", "autoscaling", "v1", SubresourceVerbs);
        if (r.HasStatus) yield return ("status", r.Kind, r.Group, r.Version, SubresourceVerbs);
        if (PodBinding.Serves(r)) yield return (PodBinding.Subresource, "Binding", "", "v1", CreateOnly);
        if (Security.ServiceAccounts.TokenRequestHandler.Serves(r))
            yield return (Security.ServiceAccounts.TokenRequestHandler.Subresource, "TokenRequest", "authentication.k8s.io", "v1", CreateOnly);
    }

    private byte[] Aggregated(string version, bool core) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("kind", "APIGroupDiscoveryList");
        w.WriteString("apiVersion", $"apidiscovery.k8s.io/{version}");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteStartArray("items");
        foreach (var g in groups.Where(g => (g.Name.Length == 0) == core))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteString("name", g.Name);
            w.WriteNull("creationTimestamp");
            w.WriteEndObject();
            w.WriteStartArray("versions");
            foreach (var v in g.Versions) WriteAggregatedVersion(w, v);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteAggregatedVersion(Utf8JsonWriter w, VersionInfo v)
    {
        w.WriteStartObject();
        w.WriteString("version", v.Version);
        w.WriteStartArray("resources");
        foreach (var r in v.Resources)
        {
            w.WriteStartObject();
            w.WriteString("resource", r.Resource);
            WriteKind(w, "responseKind", r.Group, r.Version, r.Kind);
            w.WriteString("scope", r.Namespaced ? "Namespaced" : "Cluster");
            w.WriteString("singularResource", r.SingularName);
            WriteStrings(w, "verbs", r.Verbs ?? Verbs);
            if (r.ShortNames.Count > 0) WriteStrings(w, "shortNames", r.ShortNames);
            if (r.Categories.Count > 0) WriteStrings(w, "categories", r.Categories);
            var subs = Subresources(r).ToList();
            if (subs.Count > 0)
            {
                w.WriteStartArray("subresources");
                foreach (var (sub, kind, group, version, verbs) in subs)
                {
                    w.WriteStartObject();
                    w.WriteString("subresource", sub);
                    WriteKind(w, "responseKind", group, version, kind);
                    WriteStrings(w, "verbs", verbs);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("freshness", "Current");
        w.WriteEndObject();
    }

    private static void WriteKind(Utf8JsonWriter w, string name, string group, string version, string kind)
    {
        w.WriteStartObject(name);
        w.WriteString("group", group);
        w.WriteString("version", version);
        w.WriteString("kind", kind);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static string GroupVersion(string group, string version) => group.Length == 0 ? version : $"{group}/{version}";

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.WriterOptions)) write(w);
        return buffer.ToArray();
    }

    private sealed record GroupInfo(string Name, List<VersionInfo> Versions);

    private sealed record VersionInfo(string Version, List<ResourceRegistration> Resources);
}
