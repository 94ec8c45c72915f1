using System.Text;

namespace Bosun.ApiServer.Security;

/// <summary>Writes a kubeconfig with one cluster, one user and one context, in the layout kubectl itself writes.</summary>
public static class KubeconfigWriter
{
    /// <summary>Writes a kubeconfig authenticating with a client certificate. The file is created with mode 0600.</summary>
    public static void Write(
        string path, string serverUrl, string caPem, string clientCertPem, string clientKeyPem,
        string clusterName = "default", string user = "default")
    {
        var credentials = new StringBuilder()
            .Append("    client-certificate-data: ").Append(Base64(clientCertPem)).Append('\n')
            .Append("    client-key-data: ").Append(Base64(clientKeyPem)).Append('\n')
            .ToString();
        SecureFiles.WriteAllText(path, Render(serverUrl, caPem, clusterName, user, credentials), SecureFiles.Private);
    }

    /// <summary>Writes a kubeconfig authenticating with a bearer token. The file is created with mode 0600.</summary>
    public static void WriteWithToken(
        string path, string serverUrl, string caPem, string token, string clusterName = "default", string user = "default")
    {
        var credentials = $"    token: {Quote(token)}\n";
        SecureFiles.WriteAllText(path, Render(serverUrl, caPem, clusterName, user, credentials), SecureFiles.Private);
    }

    private static string Render(string serverUrl, string caPem, string clusterName, string user, string credentials)
    {
        ArgumentException.ThrowIfNullOrEmpty(serverUrl);
        ArgumentException.ThrowIfNullOrEmpty(caPem);
        ArgumentException.ThrowIfNullOrEmpty(clusterName);
        ArgumentException.ThrowIfNullOrEmpty(user);

        var cluster = Quote(clusterName);
        var userName = Quote(user);
        return new StringBuilder()
            .Append("apiVersion: v1\n")
            .Append("kind: Config\n")
            .Append("clusters:\n")
            .Append("- cluster:\n")
            .Append("    certificate-authority-data: ").Append(Base64(caPem)).Append('\n')
            .Append("    server: ").Append(Quote(serverUrl)).Append('\n')
            .Append("  name: ").Append(cluster).Append('\n')
            .Append("contexts:\n")
            .Append("- context:\n")
            .Append("    cluster: ").Append(cluster).Append('\n')
            .Append("    user: ").Append(userName).Append('\n')
            .Append("  name: ").Append(cluster).Append('\n')
            .Append("current-context: ").Append(cluster).Append('\n')
            .Append("preferences: {}\n")
            .Append("users:\n")
            .Append("- name: ").Append(userName).Append('\n')
            .Append("  user:\n")
            .Append(credentials)
            .ToString();
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));

    /// <summary>
    /// Double-quoted YAML scalar. Names such as <c>system:admin</c> or URLs contain ':' and would otherwise need
    /// YAML's plain-scalar rules to be reasoned about; quoting is always safe.
    /// </summary>
    private static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
