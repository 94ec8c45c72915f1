namespace Bosun.ApiServer.Security;

/// <summary>
/// A client certificate and kubeconfig per control-plane component (<c>&lt;state-dir&gt;/cred/&lt;component&gt;.kubeconfig</c>,
/// 0600), as k3s writes them, so each runs under its own identity and RBAC role rather than as an administrator.
/// Issued afresh at every start, so a server that restarts at least yearly never runs on an expired certificate.
/// </summary>
public static class ComponentCredentials
{
    public static readonly IReadOnlyList<(string Component, string User)> Components =
    [
        ("scheduler", "system:kube-scheduler"),
        ("controller", "system:kube-controller-manager"),
        ("kube-proxy", "system:kube-proxy"),
    ];

    public static string KubeconfigPath(string stateDirectory, string component) => Path.Combine(stateDirectory, "cred", component + ".kubeconfig");

    public static void Write(ClusterPki pki, string stateDirectory, string serverUrl)
    {
        foreach (var (component, user) in Components)
        {
            using var cert = pki.IssueClientCertificate(user, [], TimeSpan.FromDays(365));
            KubeconfigWriter.Write(KubeconfigPath(stateDirectory, component), serverUrl, pki.CaPem,
                ClusterPki.ExportCertificatePem(cert), ClusterPki.ExportKeyPem(cert), user: user);
        }
    }
}
