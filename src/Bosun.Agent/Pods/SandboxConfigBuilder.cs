using Bosun.Cri.V1;
using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>Builds the CRI <c>PodSandboxConfig</c> of a pod (kubelet's <c>generatePodSandboxConfig</c>). Pure.</summary>
internal static class SandboxConfigBuilder
{
    public static PodSandboxConfig Build(V1Pod pod, uint attempt, string logDirectory, DnsSettings dns, string cgroupParent)
    {
        var meta = pod.Metadata;
        var hostNetwork = pod.Spec.HostNetwork == true;
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = meta.Name, Namespace = meta.NamespaceProperty ?? "default", Uid = meta.Uid, Attempt = attempt },
            // runc cannot set a hostname without a private UTS namespace (cri-containerd.md pitfall 6).
            Hostname = hostNetwork ? "" : PodHostsFile.Hostname(pod),
            LogDirectory = logDirectory,
            DnsConfig = new DNSConfig(),
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = cgroupParent,
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = new NamespaceOption
                    {
                        Network = hostNetwork ? NamespaceMode.Node : NamespaceMode.Pod,
                        Pid = pod.Spec.HostPID == true ? NamespaceMode.Node : NamespaceMode.Container,
                        Ipc = pod.Spec.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
                    },
                    Privileged = AllContainers(pod).Any(c => c.SecurityContext?.Privileged == true),
                },
            },
        };
        config.DnsConfig.Servers.AddRange(dns.Servers);
        config.DnsConfig.Searches.AddRange(dns.Searches);
        config.DnsConfig.Options.AddRange(dns.Options);
        if (pod.Spec.SecurityContext is { } psc)
        {
            if (psc.RunAsUser is { } u) config.Linux.SecurityContext.RunAsUser = new Int64Value { Value = u };
            if (psc.RunAsGroup is { } g) config.Linux.SecurityContext.RunAsGroup = new Int64Value { Value = g };
            if (psc.SupplementalGroups is { } groups) config.Linux.SecurityContext.SupplementalGroups.AddRange(groups.OfType<long>());
            foreach (var s in psc.Sysctls ?? []) config.Linux.Sysctls[s.Name] = s.Value;
        }
        foreach (var (k, v) in PodLabels(pod)) config.Labels[k] = v;
        foreach (var (k, v) in meta.Annotations ?? new Dictionary<string, string>()) config.Annotations[k] = v;
        config.Annotations[CriLabels.PodTerminationGracePeriod] = (pod.Spec.TerminationGracePeriodSeconds ?? PodActions.DefaultGracePeriodSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        config.PortMappings.AddRange(PortMappings(pod));
        return config;
    }

    /// <summary>The pod's labels plus ours, which the agent selects its sandboxes and containers by.</summary>
    public static Dictionary<string, string> PodLabels(V1Pod pod)
    {
        var labels = new Dictionary<string, string>(pod.Metadata.Labels ?? new Dictionary<string, string>())
        {
            [CriLabels.PodName] = pod.Metadata.Name,
            [CriLabels.PodNamespace] = pod.Metadata.NamespaceProperty ?? "default",
            [CriLabels.PodUid] = pod.Metadata.Uid,
            [CriLabels.ManagedBy] = CriLabels.ManagedByValue,
        };
        return labels;
    }

    /// <summary>hostPort mappings of every container port that asks for one.</summary>
    public static IEnumerable<PortMapping> PortMappings(V1Pod pod)
    {
        foreach (var c in pod.Spec.Containers ?? [])
            foreach (var p in c.Ports ?? [])
            {
                if (p.HostPort is not > 0) continue;
                yield return new PortMapping
                {
                    ContainerPort = p.ContainerPort,
                    HostPort = p.HostPort.Value,
                    HostIp = p.HostIP ?? "",
                    Protocol = p.Protocol switch { "UDP" => Protocol.Udp, "SCTP" => Protocol.Sctp, _ => Protocol.Tcp },
                };
            }
    }

    internal static IEnumerable<V1Container> AllContainers(V1Pod pod) => (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []);
}
