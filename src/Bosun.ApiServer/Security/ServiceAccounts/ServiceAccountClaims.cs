using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Security.ServiceAccounts;

/// <summary>The object a token is bound to besides its service account (a Pod, Secret or Node), by name and uid.</summary>
public sealed record BoundObject(string Kind, string Name, string Uid);

/// <summary>
/// What a service-account token says, in Kubernetes' claim layout: <c>iss</c>, <c>sub</c>
/// (<c>system:serviceaccount:ns:name</c>), <c>aud</c>, <c>exp</c>, <c>iat</c>, <c>nbf</c>, <c>jti</c> and the private
/// <c>kubernetes.io</c> claim with the namespace, the service account and the bound object.
/// </summary>
public sealed record ServiceAccountClaims(
    string Issuer,
    IReadOnlyList<string> Audiences,
    string Namespace,
    string ServiceAccountName,
    string ServiceAccountUid,
    BoundObject? Bound,
    DateTimeOffset IssuedAt,
    DateTimeOffset Expiry,
    string Id)
{
    public const string SubjectPrefix = "system:serviceaccount:";

    public string Subject => $"{SubjectPrefix}{Namespace}:{ServiceAccountName}";

    internal JsonObject ToPayload()
    {
        var k8s = new JsonObject { ["namespace"] = Namespace };
        if (Bound is { } bound)
            k8s[bound.Kind.ToLowerInvariant()] = new JsonObject { ["name"] = bound.Name, ["uid"] = bound.Uid };
        k8s["serviceaccount"] = new JsonObject { ["name"] = ServiceAccountName, ["uid"] = ServiceAccountUid };
        return new JsonObject
        {
            ["aud"] = new JsonArray(Audiences.Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
            ["exp"] = Expiry.ToUnixTimeSeconds(),
            ["iat"] = IssuedAt.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Id,
            ["kubernetes.io"] = k8s,
            ["nbf"] = IssuedAt.ToUnixTimeSeconds(),
            ["sub"] = Subject,
        };
    }

    /// <summary>Reads a verified payload; null when a required claim is missing, mistyped, or <c>sub</c> disagrees with the private claim.</summary>
    internal static ServiceAccountClaims? FromPayload(JsonObject p)
    {
        var k8s = p["kubernetes.io"] as JsonObject;
        var sa = k8s?["serviceaccount"] as JsonObject;
        if (String(p, "iss") is not { } iss || String(k8s, "namespace") is not { Length: > 0 } ns
            || String(sa, "name") is not { Length: > 0 } name || String(sa, "uid") is not { } uid
            || Seconds(p, "exp") is not { } exp || ReadAudiences(p["aud"]) is not { } aud)
            return null;
        var claims = new ServiceAccountClaims(iss, aud, ns, name, uid, ReadBound(k8s!),
            Seconds(p, "iat") ?? DateTimeOffset.MinValue, exp, String(p, "jti") ?? "")
        { NotBefore = Seconds(p, "nbf") };
        return String(p, "sub") == claims.Subject ? claims : null;
    }

    /// <summary>The <c>nbf</c> claim as read from a token; issued tokens use <see cref="IssuedAt"/>.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    private static BoundObject? ReadBound(JsonObject k8s)
    {
        foreach (var kind in (string[])["Pod", "Secret", "Node"])
        {
            if (k8s[kind.ToLowerInvariant()] is JsonObject o && String(o, "name") is { } n)
                return new BoundObject(kind, n, String(o, "uid") ?? "");
        }
        return null;
    }

    private static IReadOnlyList<string>? ReadAudiences(JsonNode? aud) => aud switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        JsonArray a when a.All(x => x is JsonValue s && s.GetValueKind() == JsonValueKind.String) => a.Select(x => x!.GetValue<string>()).ToList(),
        _ => null,
    };

    private static string? String(JsonObject? o, string name) =>
        o?[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static DateTimeOffset? Seconds(JsonObject o, string name)
    {
        if (o[name] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<long>(out var s)) return null;
        return s is < 0 or > 253402300799 ? null : DateTimeOffset.FromUnixTimeSeconds(s);
    }
}
