using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Admission.PodSecurity;

/// <summary>One check's verdict: a short reason (always shown) and a detail naming what offended (shown per object).</summary>
internal sealed record CheckResult(bool Allowed, string Reason = "", string Detail = "")
{
    public static readonly CheckResult Ok = new(true);

    public static CheckResult Forbid(string reason, string detail) => new(false, reason, detail);
}

/// <summary>
/// A check of the Pod Security Standards: its level, the first policy version (v1.N) it belongs to, and the baseline
/// checks it replaces at the restricted level (restricted volume types replace hostPath volumes, restricted capabilities and seccomp
/// the baseline ones).
/// </summary>
internal sealed record PodSecurityCheck(string Id, PodSecurityLevel Level, int MinimumMinor,
    Func<JsonObject, JsonObject, CheckResult> Evaluate, params string[] Overrides)
{
    /// <summary>The last policy version this revision of the check applies to (a later revision takes over).</summary>
    public int MaximumMinor { get; init; } = int.MaxValue;

    public bool AppliesTo(LevelVersion policy) =>
        Level <= policy.Level && policy.AtLeast(MinimumMinor) && (policy.Minor ?? int.MaxValue) <= MaximumMinor;
}

/// <summary>
/// The pod-security-admission evaluator (pure): the checks of a level and version applied to a pod's metadata and
/// spec, in upstream's order (baseline checks, then restricted ones, each by ID), and the aggregated message
/// <c>reason (detail), reason (detail)</c> that the admission errors and warnings quote.
/// </summary>
internal static class PodSecurityPolicy
{
    public static IReadOnlyList<PodSecurityCheck> Checks { get; } = [.. BaselineChecks.All, .. RestrictedChecks.All];

    public static IReadOnlyList<CheckResult> Evaluate(LevelVersion policy, JsonObject? metadata, JsonObject? spec)
    {
        if (policy.Level == PodSecurityLevel.Privileged) return [];
        metadata ??= new JsonObject();
        spec ??= new JsonObject();
        var applicable = Checks.Where(c => c.AppliesTo(policy)).ToList();
        var overridden = applicable.SelectMany(c => c.Overrides).ToHashSet(StringComparer.Ordinal);
        return applicable.Where(c => !overridden.Contains(c.Id)).Select(c => c.Evaluate(metadata, spec)).ToList();
    }

    /// <summary>All forbidden results as <c>reason (detail), …</c>; empty when the pod is allowed.</summary>
    public static string ForbiddenDetail(IEnumerable<CheckResult> results)
    {
        var b = new StringBuilder();
        foreach (var r in results.Where(r => !r.Allowed))
        {
            if (b.Length > 0) b.Append(", ");
            b.Append(r.Reason.Length == 0 ? "unknown forbidden reason" : r.Reason);
            if (r.Detail.Length > 0) b.Append(" (").Append(r.Detail).Append(')');
        }
        return b.ToString();
    }

    /// <summary>The forbidden reasons only (<c>reason, reason</c>), as the namespace-wide warnings list them.</summary>
    public static string ForbiddenReasons(IEnumerable<CheckResult> results) =>
        string.Join(", ", results.Where(r => !r.Allowed).Select(r => r.Reason.Length == 0 ? "unknown forbidden reason" : r.Reason));
}

/// <summary>Small helpers the checks share: the containers of a spec and upstream's phrasing.</summary>
internal static class PodSpecs
{
    /// <summary>Init, regular and ephemeral containers, in that order (upstream's visitContainers).</summary>
    public static IEnumerable<JsonObject> Containers(JsonObject spec)
    {
        foreach (var field in (string[])["initContainers", "containers", "ephemeralContainers"])
            foreach (var c in spec.Arr(field) ?? [])
                if (c is JsonObject container) yield return container;
    }

    public static string Name(JsonObject container) => container.Str("name") ?? "";

    public static JsonObject? SecurityContext(JsonObject owner) => owner.Obj("securityContext");

    public static bool? Bool(JsonObject? o, string name) =>
        o is not null && o.TryGetPropertyValue(name, out var v) && v is JsonValue jv && jv.TryGetValue<bool>(out var b) ? b : null;

    public static string Pluralize(string singular, string plural, int count) => count == 1 ? singular : plural;

    public static string JoinQuote(IEnumerable<string> items) => string.Join(", ", items.Select(Quote));

    /// <summary>Go's %q for the plain names and values these messages quote.</summary>
    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary><c>container "a"</c> or <c>containers "a", "b"</c>.</summary>
    public static string ContainersPhrase(IReadOnlyList<string> names) =>
        $"{Pluralize("container", "containers", names.Count)} {JoinQuote(names)}";

    /// <summary>The pod (when it sets the field badly) and the containers that do, as <c>pod and containers "a", "b"</c>.</summary>
    public static string Setters(bool pod, IReadOnlyList<string> containers)
    {
        var parts = new List<string>();
        if (pod) parts.Add("pod");
        if (containers.Count > 0) parts.Add(ContainersPhrase(containers));
        return string.Join(" and ", parts);
    }

    /// <summary>A user-namespaced pod (<c>hostUsers: false</c>) is allowed to run as root inside its namespace.</summary>
    public static bool UserNamespaced(JsonObject spec) => Bool(spec, "hostUsers") == false;
}
