using System.Text;
using System.Text.Json;

namespace Bosun.Agent.Images;

/// <summary>One credential of a docker config: the key it was listed under and the user and password.</summary>
internal sealed record DockerCredential(string Key, string Username, string Password);

/// <summary>
/// Reads the credentials of an image pull secret — <c>kubernetes.io/dockerconfigjson</c> (<c>{"auths": {…}}</c>) or
/// the legacy <c>kubernetes.io/dockercfg</c> (the map alone) — and matches them to an image as the kubelet's keyring
/// does: same registry host (a <c>*.</c> wildcard allowed) and port, and the key's path a prefix of the repository.
/// </summary>
internal static class DockerConfigAuths
{
    public const string DockerConfigJsonKey = ".dockerconfigjson";
    public const string DockerCfgKey = ".dockercfg";

    /// <summary>Entries of a secret's data; throws <see cref="FormatException"/> for malformed JSON.</summary>
    public static IReadOnlyList<DockerCredential> Parse(IReadOnlyDictionary<string, byte[]> data)
    {
        try
        {
            if (data.TryGetValue(DockerConfigJsonKey, out var json))
            {
                using var doc = JsonDocument.Parse(json);
                return doc.RootElement.TryGetProperty("auths", out var auths) ? Entries(auths) : [];
            }
            if (data.TryGetValue(DockerCfgKey, out var cfg))
            {
                using var doc = JsonDocument.Parse(cfg);
                return Entries(doc.RootElement);
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"invalid docker config: {e.Message}", e);
        }
        return [];
    }

    /// <summary>The credentials for <paramref name="image"/>, most specific key first.</summary>
    public static IEnumerable<DockerCredential> Matching(IEnumerable<DockerCredential> credentials, string image)
    {
        var (host, repository) = Split(ImageReference.Normalize(image.Split('@')[0]));
        return credentials
            .Select(c => (c, key: ParseKey(c.Key)))
            .Where(x => HostMatches(x.key.Host, host) && (x.key.Path.Length == 0 || (repository + "/").StartsWith(x.key.Path + "/", StringComparison.Ordinal)))
            .OrderByDescending(x => x.key.Path.Length)
            .Select(x => x.c);
    }

    private static List<DockerCredential> Entries(JsonElement auths)
    {
        var list = new List<DockerCredential>();
        if (auths.ValueKind != JsonValueKind.Object) return list;
        foreach (var entry in auths.EnumerateObject())
        {
            var e = entry.Value;
            string? user = Str(e, "username"), password = Str(e, "password");
            if (Str(e, "auth") is { Length: > 0 } encoded)
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                var colon = decoded.IndexOf(':');
                if (colon < 0) throw new FormatException($"the auth of \"{entry.Name}\" is not base64 of user:password");
                (user, password) = (decoded[..colon], decoded[(colon + 1)..]);
            }
            if (user is not null) list.Add(new DockerCredential(entry.Name, user, password ?? ""));
        }
        return list;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary><c>https://index.docker.io/v1/</c> → (docker.io, ""), <c>reg.local:5000/team</c> → (reg.local:5000, team).</summary>
    internal static (string Host, string Path) ParseKey(string key)
    {
        var k = key;
        var scheme = k.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) k = k[(scheme + 3)..];
        var slash = k.IndexOf('/');
        var (host, path) = slash < 0 ? (k, "") : (k[..slash], k[(slash + 1)..].TrimEnd('/'));
        if (host is "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com")
            return ("docker.io", path is "v1" or "v2" ? "" : path);
        return (host.ToLowerInvariant(), path);
    }

    private static (string Host, string Repository) Split(string normalized)
    {
        var slash = normalized.IndexOf('/');
        var rest = normalized[(slash + 1)..];
        var colon = rest.LastIndexOf(':');
        return (normalized[..slash].ToLowerInvariant(), colon > rest.LastIndexOf('/') ? rest[..colon] : rest);
    }

    private static bool HostMatches(string pattern, string host)
    {
        if (pattern == host) return true;
        if (!pattern.StartsWith("*.", StringComparison.Ordinal)) return false;
        // A wildcard covers one label, and the ports must agree (kubelet's URLsMatch).
        var (pName, pPort) = HostPort(pattern[2..]);
        var (name, port) = HostPort(host);
        var dot = name.IndexOf('.');
        return pPort == port && dot > 0 && name[(dot + 1)..] == pName;
    }

    private static (string Name, string Port) HostPort(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon < 0 ? (host, "") : (host[..colon], host[(colon + 1)..]);
    }
}
