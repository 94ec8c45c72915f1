using System.Text.Json.Nodes;
using static Bosun.ApiServer.Admission.PodSecurity.PodSpecs;

namespace Bosun.ApiServer.Admission.PodSecurity;

/// <summary>
/// The restricted level of the Pod Security Standards (hardening best practice), in upstream's order and wording.
/// </summary>
internal static class RestrictedChecks
{
    private const PodSecurityLevel Level = PodSecurityLevel.Restricted;

    private static readonly HashSet<string> AllowedVolumeTypes = new(StringComparer.Ordinal)
    {
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret", "image",
    };

    public static IReadOnlyList<PodSecurityCheck> All { get; } =
    [
        new("allowPrivilegeEscalation", Level, 8, AllowPrivilegeEscalation),
        new("capabilities_restricted", Level, 22, Capabilities, "capabilities_baseline"),
        new("restrictedVolumes", Level, 0, Volumes, "hostPathVolumes"),
        new("runAsNonRoot", Level, 0, RunAsNonRoot),
        new("runAsUser", Level, 23, RunAsUser),
        new("seccompProfile_restricted", Level, 19, Seccomp, "seccompProfile_baseline"),
    ];

    private static CheckResult AllowPrivilegeEscalation(JsonObject meta, JsonObject spec)
    {
        var bad = Containers(spec).Where(c => Bool(SecurityContext(c), "allowPrivilegeEscalation") != false).Select(Name).ToList();
        return bad.Count == 0 ? CheckResult.Ok : CheckResult.Forbid("allowPrivilegeEscalation != false",
            $"{ContainersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false");
    }

    private static CheckResult Capabilities(JsonObject meta, JsonObject spec)
    {
        var missingDropAll = new List<string>();
        var adding = new List<string>();
        var forbidden = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in Containers(spec))
        {
            var caps = SecurityContext(c).Obj("capabilities");
            if (caps is null)
            {
                missingDropAll.Add(Name(c));
                continue;
            }
            if (!Strings(caps.Arr("drop")).Contains("ALL")) missingDropAll.Add(Name(c));
            var added = Strings(caps.Arr("add")).Where(a => a != "NET_BIND_SERVICE").ToList();
            if (added.Count == 0) continue;
            adding.Add(Name(c));
            forbidden.UnionWith(added);
        }
        var details = new List<string>();
        if (missingDropAll.Count > 0) details.Add($"{ContainersPhrase(missingDropAll)} must set securityContext.capabilities.drop=[\"ALL\"]");
        if (adding.Count > 0) details.Add($"{ContainersPhrase(adding)} must not include {JoinQuote(forbidden)} in securityContext.capabilities.add");
        return details.Count == 0 ? CheckResult.Ok : CheckResult.Forbid("unrestricted capabilities", string.Join("; ", details));
    }

    private static CheckResult Volumes(JsonObject meta, JsonObject spec)
    {
        var volumes = new List<string>();
        var types = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var v in (spec.Arr("volumes") ?? []).OfType<JsonObject>())
        {
            var bad = v.Where(p => p.Key != "name" && p.Value is not null && !AllowedVolumeTypes.Contains(p.Key)).Select(p => p.Key).ToList();
            if (bad.Count == 0) continue;
            volumes.Add(v.Str("name") ?? "");
            types.UnionWith(bad);
        }
        return volumes.Count == 0 ? CheckResult.Ok : CheckResult.Forbid("restricted volume types",
            $"{Pluralize("volume", "volumes", volumes.Count)} {JoinQuote(volumes)} {Pluralize("uses", "use", volumes.Count)} " +
            $"{Pluralize("restricted volume type", "restricted volume types", types.Count)} {JoinQuote(types)}");
    }

    private static CheckResult RunAsNonRoot(JsonObject meta, JsonObject spec)
    {
        if (UserNamespaced(spec)) return CheckResult.Ok;
        var podValue = Bool(SecurityContext(spec), "runAsNonRoot");
        var explicitlyBad = new List<string>();
        var implicitlyBad = new List<string>();
        foreach (var c in Containers(spec))
        {
            var value = Bool(SecurityContext(c), "runAsNonRoot");
            if (value == false) explicitlyBad.Add(Name(c));
            else if (value is null && podValue != true) implicitlyBad.Add(Name(c));
        }
        var setters = Setters(podValue == false, explicitlyBad);
        if (setters.Length > 0) return CheckResult.Forbid("runAsNonRoot != true", $"{setters} must not set securityContext.runAsNonRoot=false");
        return implicitlyBad.Count == 0 ? CheckResult.Ok : CheckResult.Forbid("runAsNonRoot != true",
            $"pod or {ContainersPhrase(implicitlyBad)} must set securityContext.runAsNonRoot=true");
    }

    private static CheckResult RunAsUser(JsonObject meta, JsonObject spec)
    {
        if (UserNamespaced(spec)) return CheckResult.Ok;
        var setters = Setters(SecurityContext(spec).Long("runAsUser") == 0,
            Containers(spec).Where(c => SecurityContext(c).Long("runAsUser") == 0).Select(Name).ToList());
        return setters.Length == 0 ? CheckResult.Ok : CheckResult.Forbid("runAsUser=0", $"{setters} must not set runAsUser=0");
    }

    private static CheckResult Seccomp(JsonObject meta, JsonObject spec)
    {
        static bool Valid(string? type) => type is "RuntimeDefault" or "Localhost";
        var badValues = new SortedSet<string>(StringComparer.Ordinal);
        var podType = SecurityContext(spec).Obj("seccompProfile") is { } podProfile ? podProfile.Str("type") ?? "" : null;
        var podBad = podType is not null && !Valid(podType);
        if (podBad) badValues.Add(podType!);
        var podSet = podType is not null && !podBad;
        var explicitlyBad = new List<string>();
        var implicitlyBad = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (SecurityContext(c).Obj("seccompProfile") is { } profile)
            {
                var type = profile.Str("type") ?? "";
                if (Valid(type)) continue;
                explicitlyBad.Add(Name(c));
                badValues.Add(type);
            }
            else if (!podSet) implicitlyBad.Add(Name(c));
        }
        var setters = Setters(podBad, explicitlyBad);
        if (setters.Length > 0)
            return CheckResult.Forbid("seccompProfile", $"{setters} must not set securityContext.seccompProfile.type to {JoinQuote(badValues)}");
        return implicitlyBad.Count == 0 ? CheckResult.Ok : CheckResult.Forbid("seccompProfile",
            $"pod or {ContainersPhrase(implicitlyBad)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
    }

    private static List<string> Strings(JsonArray? array) => (array ?? []).Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : "").ToList();
}
