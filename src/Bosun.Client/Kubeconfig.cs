using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.Client;

/// <summary>
/// What a Bosun component needs from a kubeconfig file: the current context's server, the CA it trusts and the user's
/// credentials (client certificate and key, or a bearer token), each inline (<c>*-data</c>) or in a file relative to the
/// kubeconfig, as kubectl reads them. Parsed here rather than with KubernetesClientConfiguration, whose YAML loader loads
/// every type of the KubernetesClient assembly (+35 MB resident in every process that reads a kubeconfig).
/// </summary>
public sealed record Kubeconfig(
    Uri Server,
    string? CertificateAuthorityPem,
    bool InsecureSkipTlsVerify,
    string? ClientCertificatePem,
    string? ClientKeyPem,
    string? Token)
{
    /// <summary>Reads <paramref name="path"/>; <see cref="InvalidDataException"/> says what is missing or wrong.</summary>
    public static Kubeconfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"kubeconfig {path}: {e.Message}", e);
        }
        return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path))!, path);
    }

    /// <summary>Parses kubeconfig text; relative file references resolve against <paramref name="directory"/>.</summary>
    public static Kubeconfig Parse(string yaml, string directory, string source = "kubeconfig")
    {
        try
        {
            return new Reader(YamlJson.ParseObject(yaml, source), directory).Read();
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new InvalidDataException($"kubeconfig {source}: {e.Message}", e);
        }
    }

    /// <summary>The CA certificates to trust instead of the system's, when the cluster names some.</summary>
    public X509Certificate2Collection? CertificateAuthorities()
    {
        if (CertificateAuthorityPem is null) return null;
        var certs = new X509Certificate2Collection();
        certs.ImportFromPem(CertificateAuthorityPem);
        return certs.Count > 0 ? certs : throw new InvalidDataException("kubeconfig: the certificate authority holds no PEM certificate");
    }

    private sealed class Reader(JsonObject root, string directory)
    {
        public Kubeconfig Read()
        {
            var contextName = Text(root, "current-context");
            var contexts = root["contexts"] as JsonArray;
            if (contextName is null)
            {
                // kubectl needs current-context; a file with a single context is unambiguous, so allow it.
                if (contexts is not { Count: 1 }) throw new FormatException("current-context is not set");
                contextName = Text(contexts[0] as JsonObject, "name");
            }
            var context = Named(contexts, contextName!, "context") ?? throw new FormatException($"context \"{contextName}\" does not exist");
            var clusterName = Text(context, "cluster") ?? throw new FormatException($"context \"{contextName}\" names no cluster");
            var cluster = Named(root["clusters"] as JsonArray, clusterName, "cluster")
                ?? throw new FormatException($"cluster \"{clusterName}\" does not exist");
            var userName = Text(context, "user");
            var user = userName is null ? null : Named(root["users"] as JsonArray, userName, "user")
                ?? throw new FormatException($"user \"{userName}\" does not exist");
            if (user?["exec"] is not null || user?["auth-provider"] is not null)
                throw new FormatException($"user \"{userName}\" uses exec or auth-provider credentials, which bosun does not support");

            var server = Text(cluster, "server") ?? throw new FormatException($"cluster \"{clusterName}\" has no server");
            if (!Uri.TryCreate(server, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
                throw new FormatException($"cluster \"{clusterName}\": server \"{server}\" is not an http(s) URL");
            return new Kubeconfig(
                url,
                Pem(cluster, "certificate-authority"),
                Text(cluster, "insecure-skip-tls-verify") is "true",
                Pem(user, "client-certificate"),
                Pem(user, "client-key"),
                Text(user, "token") ?? FileText(Text(user, "tokenFile"))?.Trim());
        }

        /// <summary>The inner object of the list entry named <paramref name="name"/> (<c>- name: x\n  cluster: {...}</c>).</summary>
        private static JsonObject? Named(JsonArray? list, string name, string field) =>
            list?.OfType<JsonObject>().FirstOrDefault(e => Text(e, "name") == name)?[field] as JsonObject;

        /// <summary>PEM from <c>field-data</c> (base64) or from the file named by <c>field</c>.</summary>
        private string? Pem(JsonObject? obj, string field)
        {
            if (Text(obj, field + "-data") is { } data)
            {
                try
                {
                    return Encoding.UTF8.GetString(Convert.FromBase64String(data));
                }
                catch (FormatException)
                {
                    throw new FormatException($"{field}-data is not valid base64");
                }
            }
            return FileText(Text(obj, field));
        }

        private string? FileText(string? file) => file is null ? null : File.ReadAllText(Path.Combine(directory, file));

        private static string? Text(JsonObject? obj, string field) => obj?[field] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0 ? null : s,
            JsonValue v => v.ToJsonString(),
            _ => throw new FormatException($"{field} must be a scalar"),
        };
    }
}
