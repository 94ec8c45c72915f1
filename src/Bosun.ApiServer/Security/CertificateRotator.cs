using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Bosun.ApiServer.Security;

/// <summary>
/// <c>bosun certificate rotate</c>: reissues leaf certificates in a data dir from its CAs, offline. A running server
/// notices the replaced files within <see cref="CertificateRotation.Interval"/> and serves the new ones, and rewrites its
/// kubeconfigs itself; with the server stopped, the next start uses them.
/// </summary>
public static partial class CertificateRotator
{
    /// <summary>The services <c>--service</c> accepts (k3s's names), and what each one renews.</summary>
    public static readonly IReadOnlyDictionary<string, string> Services = new Dictionary<string, string>
    {
        ["api-server"] = "the API serving certificate (" + ClusterPki.ServingCertFile + ")",
        ["admin"] = "the admin client certificate (" + ClusterPki.AdminCertFile + ", admin.kubeconfig)",
        ["kubelet-client"] = "the API server's client certificate to agents (" + ClusterPki.KubeletClientCertFile + ")",
        ["scheduler"] = "the scheduler's kubeconfig (cred/scheduler.kubeconfig)",
        ["controller-manager"] = "the controller manager's kubeconfig (cred/controller.kubeconfig)",
        ["kube-proxy"] = "the service proxy's kubeconfig (cred/kube-proxy.kubeconfig)",
    };

    /// <summary>Renews <paramref name="service"/> (null: all of them); returns what was renewed, as data-dir-relative paths.</summary>
    public static IReadOnlyList<string> Rotate(string dataDir, string? service, TimeProvider time)
    {
        if (service is not null && !Services.ContainsKey(service))
            throw new ArgumentException($"unknown service \"{service}\"; known: {string.Join(", ", Services.Keys)}");
        var stateDir = Path.Combine(dataDir, "server");
        var tls = Path.Combine(stateDir, "tls");
        if (!File.Exists(Path.Combine(tls, ClusterPki.CaKeyFile)))
            throw new ArgumentException($"no cluster CA at {Path.Combine(tls, ClusterPki.CaKeyFile)}; is --data-dir the server's?");

        bool Wanted(string name) => service is null || service == name;
        using var pki = ClusterPki.LoadOrCreate(tls, OptionsFromServingCertificate(tls), time);
        var files = new List<string>();
        if (Wanted("api-server")) files.Add(ClusterPki.ServingCertFile);
        if (Wanted("admin")) files.Add(ClusterPki.AdminCertFile);
        if (Wanted("kubelet-client")) files.Add(ClusterPki.KubeletClientCertFile);
        pki.Renew(files);
        var renewed = files.Select(f => Path.Combine("server", "tls", f)).ToList();

        var admin = Path.Combine(dataDir, "admin.kubeconfig");
        if (Wanted("admin") && ServerUrl(admin) is { } adminUrl)
        {
            KubeconfigWriter.Write(admin, adminUrl, pki.CaPem, pki.AdminCertificatePem, pki.AdminKeyPem);
            renewed.Add("admin.kubeconfig");
        }

        foreach (var (component, user) in ComponentCredentials.Components)
        {
            var name = component == "controller" ? "controller-manager" : component;
            var path = ComponentCredentials.KubeconfigPath(stateDir, component);
            if (!Wanted(name) || ServerUrl(path) is not { } url) continue;
            using var cert = pki.IssueClientCertificate(user, [], ClusterPki.LeafValidity);
            KubeconfigWriter.Write(path, url, pki.CaPem, ClusterPki.ExportCertificatePem(cert), ClusterPki.ExportKeyPem(cert), user: user);
            renewed.Add(Path.GetRelativePath(dataDir, path));
        }
        return renewed;
    }

    /// <summary>
    /// The names the current serving certificate covers become extra SANs, so a rotation offline (without the server's
    /// --service-cidr and the like) never drops a name clients use.
    /// </summary>
    private static PkiOptions OptionsFromServingCertificate(string tls)
    {
        var path = Path.Combine(tls, ClusterPki.ServingCertFile);
        if (!File.Exists(path)) return new PkiOptions();
        try
        {
            using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
            if (san is null) return new PkiOptions();
            return new PkiOptions
            {
                ExtraSans = [.. san.EnumerateDnsNames(), .. san.EnumerateIPAddresses().Select(a => a.ToString())],
            };
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return new PkiOptions();
        }
    }

    private static string? ServerUrl(string kubeconfig)
    {
        if (!File.Exists(kubeconfig)) return null;
        var match = ServerLine().Match(File.ReadAllText(kubeconfig));
        return match.Success ? match.Groups[1].Value.Trim('"') : null;
    }

    [GeneratedRegex(@"^\s*server:\s*(\S+)", RegexOptions.Multiline)]
    private static partial Regex ServerLine();
}
