namespace Bosun.ApiServer.Security;

/// <summary>Settings that decide which names and addresses the API serving certificate must cover.</summary>
public sealed record PkiOptions
{
    /// <summary>Cluster DNS domain; adds the SAN <c>kubernetes.default.svc.&lt;domain&gt;</c>. Optional, defaults to <c>cluster.local</c>.</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>The <c>--service-cidr</c>; its first address (10.96.0.1 for 10.96.0.0/12) is the <c>kubernetes</c> Service IP.</summary>
    public string ServiceCidr { get; init; } = "10.96.0.0/12";

    /// <summary>Additional DNS names or IP addresses for the serving certificate (<c>--tls-san</c>).</summary>
    public IReadOnlyList<string> ExtraSans { get; init; } = [];

    /// <summary>
    /// Whether to add the host name and every interface address. Tests turn this off so that the SAN set
    /// does not depend on the machine they run on.
    /// </summary>
    public bool IncludeHostAddresses { get; init; } = true;
}
