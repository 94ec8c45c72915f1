using System.Globalization;
using Bosun.Cri.V1;
using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>The host-side inputs of a container's config that the agent prepares before building it.</summary>
internal sealed record ContainerInputs(
    string ImageRef,
    IReadOnlyList<KeyValuePair<string, string>> Env,
    IReadOnlyDictionary<string, string> VolumePaths,
    string HostsFile,
    string TerminationLogFile);

/// <summary>
/// Builds the CRI <c>ContainerConfig</c> (kubelet's <c>generateContainerConfig</c>): command and args expanded
/// (the runtime applies the image's ENTRYPOINT/CMD when they are empty), env, mounts, resources and the security
/// defaults containerd would otherwise leave out (cri-containerd.md pitfall 5). Pure.
/// </summary>
internal static class ContainerConfigBuilder
{
    /// <summary>The kubelet's default masked paths (moby's defaults).</summary>
    public static readonly string[] MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    public static readonly string[] ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    public const long CpuPeriod = 100_000;

    public static ContainerConfig Build(V1Pod pod, V1Container c, int restartCount, ContainerInputs inputs)
    {
        var env = inputs.Env.ToDictionary(kv => kv.Key, kv => kv.Value);
        string Expand(string s) => EnvExpansion.Expand(s, k => env.GetValueOrDefault(k));
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = c.Name, Attempt = (uint)restartCount },
            Image = new ImageSpec { Image = inputs.ImageRef },
            WorkingDir = c.WorkingDir ?? "",
            LogPath = Path.Combine(c.Name, restartCount.ToString(CultureInfo.InvariantCulture) + ".log"),
            Stdin = c.Stdin == true,
            StdinOnce = c.StdinOnce == true,
            Tty = c.Tty == true,
            Linux = new LinuxContainerConfig { Resources = Resources(c), SecurityContext = Security(pod, c) },
        };
        config.Command.AddRange((c.Command ?? []).Select(Expand));
        config.Args.AddRange((c.Args ?? []).Select(Expand));
        config.Envs.AddRange(inputs.Env.Select(kv => new KeyValue { Key = kv.Key, Value = kv.Value }));
        config.Mounts.AddRange(Mounts(c, inputs));
        foreach (var (k, v) in SandboxConfigBuilder.PodLabels(pod).Where(kv => kv.Key.StartsWith("io.kubernetes.", StringComparison.Ordinal) || kv.Key == CriLabels.ManagedBy))
            config.Labels[k] = v;
        config.Labels[CriLabels.ContainerName] = c.Name;
        config.Annotations[CriLabels.RestartCount] = restartCount.ToString(CultureInfo.InvariantCulture);
        config.Annotations[CriLabels.ContainerHash] = ContainerHash.Of(c);
        config.Annotations[CriLabels.TerminationMessagePath] = c.TerminationMessagePath ?? "/dev/termination-log";
        config.Annotations[CriLabels.PodTerminationGracePeriod] = (pod.Spec.TerminationGracePeriodSeconds ?? PodActions.DefaultGracePeriodSeconds).ToString(CultureInfo.InvariantCulture);
        return config;
    }

    private static IEnumerable<Mount> Mounts(V1Container c, ContainerInputs inputs)
    {
        foreach (var m in c.VolumeMounts ?? [])
        {
            if (!inputs.VolumePaths.TryGetValue(m.Name, out var host))
                throw new ContainerConfigException($"cannot find volume \"{m.Name}\" to mount into container \"{c.Name}\"");
            if (m.SubPath is { Length: > 0 } sub)
            {
                if (Path.IsPathRooted(sub) || sub.Split('/').Contains(".."))
                    throw new ContainerConfigException($"subPath \"{sub}\" must be a relative path without '..'");
                host = Path.Combine(host, sub);
            }
            yield return new Mount
            {
                ContainerPath = m.MountPath,
                HostPath = host,
                Readonly = m.ReadOnlyProperty == true,
                Propagation = m.MountPropagation switch
                {
                    "HostToContainer" => MountPropagation.PropagationHostToContainer,
                    "Bidirectional" => MountPropagation.PropagationBidirectional,
                    _ => MountPropagation.PropagationPrivate,
                },
            };
        }
        var mounted = (c.VolumeMounts ?? []).Select(m => m.MountPath).ToHashSet();
        if (!mounted.Contains("/etc/hosts") && inputs.HostsFile.Length > 0)
            yield return new Mount { ContainerPath = "/etc/hosts", HostPath = inputs.HostsFile };
        if (inputs.TerminationLogFile.Length > 0)
            yield return new Mount { ContainerPath = c.TerminationMessagePath ?? "/dev/termination-log", HostPath = inputs.TerminationLogFile };
    }

    /// <summary>CPU shares from the request, quota/period from the limit, the memory limit (kubelet's cgroupfs math).</summary>
    internal static LinuxContainerResources Resources(V1Container c)
    {
        var requests = c.Resources?.Requests;
        var limits = c.Resources?.Limits;
        decimal? Milli(IDictionary<string, ResourceQuantity>? t) => t?.TryGetValue("cpu", out var q) == true ? q.ToDecimal() * 1000 : null;
        var cpuRequest = Milli(requests) ?? Milli(limits);
        var cpuLimit = Milli(limits);
        var r = new LinuxContainerResources
        {
            CpuShares = cpuRequest is { } req ? Math.Max(2, (long)(req * 1024 / 1000)) : 2,
        };
        if (cpuLimit is { } lim)
        {
            r.CpuPeriod = CpuPeriod;
            r.CpuQuota = Math.Max(1000, (long)(lim * CpuPeriod / 1000));
        }
        if (limits?.TryGetValue("memory", out var mem) == true) r.MemoryLimitInBytes = (long)mem.ToDecimal();
        return r;
    }

    internal static LinuxContainerSecurityContext Security(V1Pod pod, V1Container c)
    {
        var sc = c.SecurityContext;
        var psc = pod.Spec.SecurityContext;
        var privileged = sc?.Privileged == true;
        var s = new LinuxContainerSecurityContext
        {
            Privileged = privileged,
            ReadonlyRootfs = sc?.ReadOnlyRootFilesystem == true,
            NoNewPrivs = sc?.AllowPrivilegeEscalation == false,
            NamespaceOptions = new NamespaceOption
            {
                Network = pod.Spec.HostNetwork == true ? NamespaceMode.Node : NamespaceMode.Pod,
                Pid = pod.Spec.HostPID == true ? NamespaceMode.Node : pod.Spec.ShareProcessNamespace == true ? NamespaceMode.Pod : NamespaceMode.Container,
                Ipc = pod.Spec.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
            },
        };
        if ((sc?.RunAsUser ?? psc?.RunAsUser) is { } uid) s.RunAsUser = new Int64Value { Value = uid };
        if ((sc?.RunAsGroup ?? psc?.RunAsGroup) is { } gid) s.RunAsGroup = new Int64Value { Value = gid };
        if (psc?.SupplementalGroups is { } groups) s.SupplementalGroups.AddRange(groups.OfType<long>());
        if (sc?.Capabilities is { } caps)
        {
            s.Capabilities = new Capability();
            s.Capabilities.AddCapabilities.AddRange((caps.Add ?? []).Select(Cap));
            s.Capabilities.DropCapabilities.AddRange((caps.Drop ?? []).Select(Cap));
        }
        if (!privileged)
        {
            s.MaskedPaths.AddRange(MaskedPaths);
            s.ReadonlyPaths.AddRange(ReadonlyPaths);
            var profile = sc?.SeccompProfile ?? psc?.SeccompProfile;
            s.Seccomp = profile?.Type switch
            {
                "Unconfined" => new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.Unconfined },
                "Localhost" => new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.Localhost, LocalhostRef = profile.LocalhostProfile ?? "" },
                _ => new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.RuntimeDefault },
            };
        }
        return s;
    }

    /// <summary>CRI wants <c>CAP_</c>-prefixed names; pods may write either form, and <c>ALL</c>.</summary>
    private static string Cap(string name) => name == "ALL" || name.StartsWith("CAP_", StringComparison.Ordinal) ? name : "CAP_" + name;
}
