using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>A pod's resolv.conf contents, as CRI's <c>DNSConfig</c> carries them.</summary>
internal sealed record DnsSettings(IReadOnlyList<string> Servers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    public static readonly DnsSettings Empty = new([], [], []);

    /// <summary>Parses resolv.conf text (nameserver, search/domain, options lines).</summary>
    public static DnsSettings Parse(string resolvConf)
    {
        var servers = new List<string>();
        var searches = new List<string>();
        var options = new List<string>();
        foreach (var raw in resolvConf.Split('\n'))
        {
            var line = raw.Split('#', ';')[0].Trim();
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2) continue;
            switch (fields[0])
            {
                case "nameserver": servers.Add(fields[1]); break;
                case "search": searches.Clear(); searches.AddRange(fields[1..]); break;
                case "domain": searches.Clear(); searches.Add(fields[1]); break;
                case "options": options.AddRange(fields[1..]); break;
            }
        }
        return new DnsSettings(servers, searches, options);
    }
}

/// <summary>
/// The DNS settings of a pod per <c>dnsPolicy</c> (kubelet's <c>GetPodDNS</c>): ClusterFirst → the cluster DNS
/// server with search <c>&lt;ns&gt;.svc.&lt;domain&gt; svc.&lt;domain&gt; &lt;domain&gt;</c> and <c>ndots:5</c>
/// (host network pods fall back to Default, unless ClusterFirstWithHostNet); Default → the host's resolv.conf;
/// None → only <c>dnsConfig</c>, which is merged into the others too.
/// </summary>
internal static class PodDns
{
    public static DnsSettings Compute(V1Pod pod, string? clusterDns, string clusterDomain, DnsSettings host)
    {
        var policy = pod.Spec.DnsPolicy ?? "ClusterFirst";
        var hostNetwork = pod.Spec.HostNetwork == true;
        var useCluster = policy switch
        {
            "ClusterFirstWithHostNet" => true,
            "ClusterFirst" => !hostNetwork,
            _ => false,
        };
        if (useCluster && string.IsNullOrEmpty(clusterDns)) useCluster = false;   // no cluster DNS configured: as Default

        DnsSettings baseline;
        if (policy == "None") baseline = DnsSettings.Empty;
        else if (useCluster)
        {
            var ns = pod.Metadata.NamespaceProperty ?? "default";
            var searches = new List<string> { $"{ns}.svc.{clusterDomain}", $"svc.{clusterDomain}", clusterDomain };
            searches.AddRange(host.Searches.Where(s => !searches.Contains(s)));
            baseline = new DnsSettings([clusterDns!], searches, ["ndots:5"]);
        }
        else baseline = host;
        return Merge(baseline, pod.Spec.DnsConfig);
    }

    private static DnsSettings Merge(DnsSettings baseline, V1PodDNSConfig? config)
    {
        if (config is null) return baseline;
        var servers = baseline.Servers.ToList();
        foreach (var s in config.Nameservers ?? []) if (!servers.Contains(s)) servers.Add(s);
        var searches = baseline.Searches.ToList();
        foreach (var s in config.Searches ?? []) if (!searches.Contains(s)) searches.Add(s);
        // Options merge by name; the pod's value wins.
        var options = new List<string>(baseline.Options);
        foreach (var o in config.Options ?? [])
        {
            options.RemoveAll(x => x.Split(':')[0] == o.Name);
            options.Add(o.Value is null ? o.Name : $"{o.Name}:{o.Value}");
        }
        return new DnsSettings(servers, searches, options);
    }
}
