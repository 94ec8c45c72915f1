using System.Text.Json.Nodes;
using static Bosun.ApiServer.Admission.PodSecurity.PodSpecs;

namespace Bosun.ApiServer.Admission.PodSecurity;

/// <summary>
/// The baseline level of the Pod Security Standards (known privilege escalations), in upstream's order and wording.
/// </summary>
internal static class BaselineChecks
{
    private const PodSecurityLevel Level = PodSecurityLevel.Baseline;
    private const string AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

    private static readonly HashSet<string> DefaultCapabilities = new(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    private static readonly HashSet<string> SeLinuxTypes = new(StringComparer.Ordinal) { "", "container_t", "container_init_t", "container_kvm_t" };

    /// <summary>Namespaced, isolated sysctls, by the policy version that first allows them.</summary>
    private static readonly (string Name, int Minor)[] SafeSysctls =
    [
        ("kernel.shm_rmid_forced", 0), ("net.ipv4.ip_local_port_range", 0), ("net.ipv4.tcp_syncookies", 0),
        ("net.ipv4.ping_group_range", 0), ("net.ipv4.ip_unprivileged_port_start", 0), ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29), ("net.ipv4.tcp_fin_timeout", 29), ("net.ipv4.tcp_keepalive_intvl", 29),
        ("net.ipv4.tcp_keepalive_probes", 29), ("net.ipv4.tcp_rmem", 32), ("net.ipv4.tcp_wmem", 32),
    ];

    public static IReadOnlyList<PodSecurityCheck> All { get; } =
    [
        new("appArmorProfile", Level, 0, AppArmor),
        new("capabilities_baseline", Level, 0, Capabilities),
        new("hostNamespaces", Level, 0, HostNamespaces),
        new("hostPathVolumes", Level, 0, HostPathVolumes),
        new("hostPorts", Level, 0, HostPorts),
        new("privileged", Level, 0, Privileged),
        new("procMount", Level, 0, ProcMount),
        new("seLinuxOptions", Level, 0, SeLinux),
        new("seccompProfile_baseline", Level, 19, Seccomp),
        // Newer policy versions allow more sysctls: one versioned check per step, as upstream registers them.
        new("sysctls", Level, 0, (_, spec) => Sysctls(spec, 0)) { MaximumMinor = 26 },
        new("sysctls", Level, 27, (_, spec) => Sysctls(spec, 27)) { MaximumMinor = 28 },
        new("sysctls", Level, 29, (_, spec) => Sysctls(spec, 29)) { MaximumMinor = 31 },
        new("sysctls", Level, 32, (_, spec) => Sysctls(spec, 32)),
    ];

    private static CheckResult AppArmor(JsonObject meta, JsonObject spec)
    {
        var bad = new List<string>();
        foreach (var (key, value) in meta.Obj("annotations") ?? [])
        {
            var profile = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
            if (key.StartsWith(AppArmorAnnotationPrefix, StringComparison.Ordinal) && !AllowedProfile(profile)) bad.Add($"{key}={Quote(profile)}");
        }
        var fieldSetters = Setters(Unconfined(SecurityContext(spec)),
            Containers(spec).Where(c => Unconfined(SecurityContext(c))).Select(Name).ToList());
        if (fieldSetters.Length > 0) bad.Add($"{fieldSetters} must not set securityContext.appArmorProfile.type to \"Unconfined\"");
        if (bad.Count == 0) return CheckResult.Ok;
        bad.Sort(StringComparer.Ordinal);
        return CheckResult.Forbid(Pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.Count), string.Join(", ", bad));

        static bool AllowedProfile(string p) => p.Length == 0 || p == "runtime/default" || p.StartsWith("localhost/", StringComparison.Ordinal);
        static bool Unconfined(JsonObject? sc) => sc.Obj("appArmorProfile").Str("type") == "Unconfined";
    }

    private static CheckResult Capabilities(JsonObject meta, JsonObject spec)
    {
        var containers = new List<string>();
        var caps = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in Containers(spec))
        {
            var added = SecurityContext(c).Obj("capabilities").Arr("add")?.Select(n => n?.GetValue<string>() ?? "").Where(a => !DefaultCapabilities.Contains(a)).ToList();
            if (added is not { Count: > 0 }) continue;
            containers.Add(Name(c));
            caps.UnionWith(added);
        }
        return containers.Count == 0 ? CheckResult.Ok : CheckResult.Forbid("non-default capabilities",
            $"{ContainersPhrase(containers)} must not include {JoinQuote(caps)} in securityContext.capabilities.add");
    }

    private static CheckResult HostNamespaces(JsonObject meta, JsonObject spec)
    {
        var set = ((string[])["hostNetwork", "hostPID", "hostIPC"]).Where(f => Bool(spec, f) == true).Select(f => f + "=true").ToList();
        return set.Count == 0 ? CheckResult.Ok : CheckResult.Forbid("host namespaces", string.Join(", ", set));
    }

    private static CheckResult HostPathVolumes(JsonObject meta, JsonObject spec)
    {
        var names = (spec.Arr("volumes") ?? []).OfType<JsonObject>().Where(v => v["hostPath"] is not null).Select(v => v.Str("name") ?? "").ToList();
        return names.Count == 0 ? CheckResult.Ok
            : CheckResult.Forbid("hostPath volumes", $"{Pluralize("volume", "volumes", names.Count)} {JoinQuote(names)}");
    }

    private static CheckResult HostPorts(JsonObject meta, JsonObject spec)
    {
        var containers = new List<string>();
        var ports = new SortedSet<string>(StringComparer.Ordinal);   // upstream lists distinct ports as sorted strings
        foreach (var c in Containers(spec))
        {
            var used = (c.Arr("ports") ?? []).OfType<JsonObject>().Select(p => p.Long("hostPort") ?? 0).Where(p => p != 0).ToList();
            if (used.Count == 0) continue;
            containers.Add(Name(c));
            ports.UnionWith(used.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return containers.Count == 0 ? CheckResult.Ok : CheckResult.Forbid("hostPort",
            $"{ContainersPhrase(containers)} {Pluralize("uses", "use", containers.Count)} {Pluralize("hostPort", "hostPorts", ports.Count)} {string.Join(", ", ports)}");
    }

    private static CheckResult Privileged(JsonObject meta, JsonObject spec)
    {
        var bad = Containers(spec).Where(c => Bool(SecurityContext(c), "privileged") == true).Select(Name).ToList();
        return bad.Count == 0 ? CheckResult.Ok
            : CheckResult.Forbid("privileged", $"{ContainersPhrase(bad)} must not set securityContext.privileged=true");
    }

    private static CheckResult ProcMount(JsonObject meta, JsonObject spec)
    {
        var containers = new List<string>();
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in Containers(spec))
        {
            if (SecurityContext(c).Str("procMount") is not { Length: > 0 } mount || mount == "Default") continue;
            containers.Add(Name(c));
            values.Add(mount);
        }
        return containers.Count == 0 ? CheckResult.Ok
            : CheckResult.Forbid("procMount", $"{ContainersPhrase(containers)} must not set securityContext.procMount to {JoinQuote(values)}");
    }

    private static CheckResult SeLinux(JsonObject meta, JsonObject spec)
    {
        var badTypes = new SortedSet<string>(StringComparer.Ordinal);
        bool user = false, role = false;
        bool Valid(JsonObject? options)
        {
            if (options is null) return true;
            var type = options.Str("type") ?? "";
            var ok = SeLinuxTypes.Contains(type);
            if (!ok) badTypes.Add(type);
            if ((options.Str("user") ?? "").Length > 0) { ok = false; user = true; }
            if ((options.Str("role") ?? "").Length > 0) { ok = false; role = true; }
            return ok;
        }
        var pod = !Valid(SecurityContext(spec).Obj("seLinuxOptions"));
        var containers = Containers(spec).Where(c => !Valid(SecurityContext(c).Obj("seLinuxOptions"))).Select(Name).ToList();
        var setters = Setters(pod, containers);
        if (setters.Length == 0) return CheckResult.Ok;
        var data = new List<string>();
        if (badTypes.Count > 0) data.Add($"{Pluralize("type", "types", badTypes.Count)} {JoinQuote(badTypes)}");
        if (user) data.Add("user may not be set");
        if (role) data.Add("role may not be set");
        return CheckResult.Forbid("seLinuxOptions", $"{setters} set forbidden securityContext.seLinuxOptions: {string.Join("; ", data)}");
    }

    private static CheckResult Seccomp(JsonObject meta, JsonObject spec)
    {
        static bool Unconfined(JsonObject? sc) => sc.Obj("seccompProfile").Str("type") == "Unconfined";
        var setters = Setters(Unconfined(SecurityContext(spec)), Containers(spec).Where(c => Unconfined(SecurityContext(c))).Select(Name).ToList());
        return setters.Length == 0 ? CheckResult.Ok
            : CheckResult.Forbid("seccompProfile", $"{setters} must not set securityContext.seccompProfile.type to \"Unconfined\"");
    }

    private static CheckResult Sysctls(JsonObject spec, int minor)
    {
        var bad = (SecurityContext(spec).Arr("sysctls") ?? []).OfType<JsonObject>().Select(s => s.Str("name") ?? "")
            .Where(n => !SafeSysctls.Any(s => s.Name == n && s.Minor <= minor)).ToList();
        return bad.Count == 0 ? CheckResult.Ok : CheckResult.Forbid("forbidden sysctls", string.Join(", ", bad));
    }
}
