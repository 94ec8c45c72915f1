using System.Text;
using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>
/// The pod's own <c>/etc/hosts</c> (kubelet's <c>managedHostsFileContent</c>): containerd 1.6 would otherwise copy
/// the node's file. Host-network pods get the node's file plus their host aliases.
/// </summary>
internal static class PodHostsFile
{
    public static string Content(V1Pod pod, string podIp, string clusterDomain, string? nodeHostsFile)
    {
        var sb = new StringBuilder();
        if (pod.Spec.HostNetwork == true)
        {
            sb.Append("# Kubernetes-managed hosts file (host network).\n");
            sb.Append(nodeHostsFile ?? "");
            if (sb[^1] != '\n') sb.Append('\n');
        }
        else
        {
            sb.Append("# Kubernetes-managed hosts file.\n");
            sb.Append("127.0.0.1\tlocalhost\n");
            sb.Append("::1\tlocalhost ip6-localhost ip6-loopback\n");
            sb.Append("fe00::0\tip6-localnet\n");
            sb.Append("fe00::0\tip6-mcastprefix\n");
            sb.Append("fe00::1\tip6-allnodes\n");
            sb.Append("fe00::2\tip6-allrouters\n");
            var hostname = Hostname(pod);
            if (podIp.Length > 0)
            {
                if (pod.Spec.Subdomain is { Length: > 0 } sub)
                    sb.Append($"{podIp}\t{hostname}.{sub}.{pod.Metadata.NamespaceProperty ?? "default"}.svc.{clusterDomain}\t{hostname}\n");
                else
                    sb.Append($"{podIp}\t{hostname}\n");
            }
        }
        if (pod.Spec.HostAliases is { Count: > 0 } aliases)
        {
            sb.Append("\n# Entries added by HostAliases.\n");
            foreach (var a in aliases) sb.Append($"{a.Ip}\t{string.Join("\t", a.Hostnames ?? [])}\n");
        }
        return sb.ToString();
    }

    /// <summary><c>spec.hostname</c> or the pod name, cut to 63 characters without a trailing '-' or '.'.</summary>
    public static string Hostname(V1Pod pod)
    {
        var name = pod.Spec.Hostname is { Length: > 0 } h ? h : pod.Metadata.Name;
        if (name.Length > 63) name = name[..63].TrimEnd('-', '.');
        return name;
    }
}
