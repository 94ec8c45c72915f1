using System.Text;
using YamlDotNet.RepresentationModel;

namespace Bosun.Agent.Images;

/// <summary>
/// A <c>registries.yaml</c> in k3s' format, translated to containerd's <c>certs.d/&lt;host&gt;/hosts.toml</c> files
/// (cri-containerd.md §4):
/// <code>
/// mirrors:
///   docker.io:
///     endpoint: ["http://127.0.0.1:5000"]
/// configs:
///   "127.0.0.1:5000":
///     tls: { insecure_skip_verify: true, ca_file: /path/ca.crt, cert_file: /path/c.crt, key_file: /path/c.key }
///     auth: { username: u, password: p }
/// </code>
/// Credentials cannot go in hosts.toml; the pod workers pass <see cref="AuthFor"/> in the CRI PullImage request.
/// A mirror for <c>"*"</c> becomes containerd's <c>_default</c> host.
/// </summary>
internal sealed class RegistriesConfig
{
    public sealed record Mirror(IReadOnlyList<string> Endpoints);

    public sealed record Tls(bool InsecureSkipVerify, string? CaFile, string? CertFile, string? KeyFile);

    public sealed record Auth(string? Username, string? Password, string? AuthString, string? IdentityToken);

    public sealed record Registry(Tls? Tls, Auth? Auth);

    public IReadOnlyDictionary<string, Mirror> Mirrors { get; init; } = new Dictionary<string, Mirror>();
    public IReadOnlyDictionary<string, Registry> Configs { get; init; } = new Dictionary<string, Registry>();

    /// <summary>Parses the YAML; throws <see cref="FormatException"/> naming the bad key.</summary>
    public static RegistriesConfig Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) return new RegistriesConfig();
        var mirrors = new Dictionary<string, Mirror>(StringComparer.Ordinal);
        var configs = new Dictionary<string, Registry>(StringComparer.Ordinal);
        foreach (var (host, node) in Map(root, "mirrors"))
        {
            var endpoints = node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("endpoint"), out var e)
                ? e is YamlSequenceNode seq ? seq.Children.Select(Scalar).ToList() : throw new FormatException($"mirrors.{host}.endpoint must be a list")
                : [];
            foreach (var ep in endpoints)
                if (!Uri.TryCreate(ep, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    throw new FormatException($"mirrors.{host}.endpoint: \"{ep}\" is not an http(s) URL");
            mirrors[host] = new Mirror(endpoints);
        }
        foreach (var (host, node) in Map(root, "configs"))
        {
            var tls = Child(node, "tls") is YamlMappingNode t
                ? new Tls(Get(t, "insecure_skip_verify") == "true", Get(t, "ca_file"), Get(t, "cert_file"), Get(t, "key_file"))
                : null;
            var auth = Child(node, "auth") is YamlMappingNode a
                ? new Auth(Get(a, "username"), Get(a, "password"), Get(a, "auth"), Get(a, "identity_token"))
                : null;
            configs[host] = new Registry(tls, auth);
        }
        return new RegistriesConfig { Mirrors = mirrors, Configs = configs };
    }

    /// <summary>host directory name → hosts.toml text, for every mirrored or configured registry.</summary>
    public IReadOnlyDictionary<string, string> ToHostsToml()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var host in Mirrors.Keys.Concat(Configs.Keys).Distinct())
        {
            var s = new StringBuilder();
            s.AppendLine($"server = {Quote(Upstream(host, HasTls(host)))}");
            if (Configs.TryGetValue(host, out var own)) AppendTls(s, own.Tls, indent: "");
            if (Mirrors.TryGetValue(host, out var mirror))
            {
                foreach (var endpoint in mirror.Endpoints)
                {
                    s.AppendLine();
                    s.AppendLine($"[host.{Quote(endpoint.TrimEnd('/'))}]");
                    s.AppendLine("  capabilities = [\"pull\", \"resolve\"]");
                    AppendTls(s, Configs.TryGetValue(new Uri(endpoint).Authority, out var c) ? c.Tls : null, indent: "  ");
                }
            }
            files[host == "*" ? "_default" : host] = s.ToString();
        }
        return files;
    }

    /// <summary>Replaces every <c>hosts.toml</c> under <paramref name="certsDir"/> with this configuration's (containerd re-reads them on each pull).</summary>
    public void WriteHostsToml(string certsDir)
    {
        if (Directory.Exists(certsDir))
            foreach (var old in Directory.EnumerateDirectories(certsDir)) Directory.Delete(old, recursive: true);
        foreach (var (host, toml) in ToHostsToml())
        {
            var hostDir = Path.Combine(certsDir, host);
            Directory.CreateDirectory(hostDir);
            File.WriteAllText(Path.Combine(hostDir, "hosts.toml"), toml);
        }
    }

    /// <summary>Credentials configured for <paramref name="host"/>, for the CRI PullImage request, or null.</summary>
    public Auth? AuthFor(string host) => Configs.TryGetValue(host, out var r) ? r.Auth : null;

    /// <summary>
    /// containerd's default upstream for a registry host (docker.io's real API endpoint differs from its name); a
    /// loopback registry is plain http, as docker and containerd treat localhost registries, unless its config sets TLS.
    /// </summary>
    internal static string Upstream(string host, bool tls = false) => host switch
    {
        "docker.io" or "*" => "https://registry-1.docker.io",
        _ when IsLoopback(host) && !tls => $"http://{host}",
        _ => $"https://{host}",
    };

    private bool HasTls(string host) =>
        Configs.TryGetValue(host, out var r) && r.Tls is { } t && (t.InsecureSkipVerify || t.CaFile is not null || t.CertFile is not null);

    private static bool IsLoopback(string host)
    {
        var name = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return name == "localhost" || (System.Net.IPAddress.TryParse(name, out var ip) && System.Net.IPAddress.IsLoopback(ip));
    }

    private static void AppendTls(StringBuilder s, Tls? tls, string indent)
    {
        if (tls is null) return;
        if (tls.InsecureSkipVerify) s.AppendLine($"{indent}skip_verify = true");
        if (tls.CaFile is { } ca) s.AppendLine($"{indent}ca = {Quote(ca)}");
        if (tls.CertFile is { } cert)
            s.AppendLine(tls.KeyFile is { } key ? $"{indent}client = [[{Quote(cert)}, {Quote(key)}]]" : $"{indent}client = {Quote(cert)}");
    }

    private static string Quote(string value) => Runtime.ContainerdConfig.Quote(value);

    private static IEnumerable<(string Key, YamlNode Value)> Map(YamlMappingNode root, string key)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(key), out var node) || node is YamlScalarNode { Value: null or "" }) return [];
        if (node is not YamlMappingNode map) throw new FormatException($"{key} must be a mapping");
        return map.Children.Select(c => (Scalar(c.Key), c.Value));
    }

    private static YamlNode? Child(YamlNode node, string key) =>
        node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Get(YamlMappingNode node, string key) => Child(node, key) is YamlScalarNode s ? s.Value : null;

    private static string Scalar(YamlNode node) =>
        node is YamlScalarNode { Value: { } v } ? v : throw new FormatException($"expected a string at line {node.Start.Line}");
}
