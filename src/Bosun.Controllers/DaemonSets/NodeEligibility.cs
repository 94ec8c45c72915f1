using System.Globalization;
using k8s.Models;

namespace Bosun.Controllers.DaemonSets;

/// <summary>
/// Whether a daemon pod belongs on a node (upstream's NodeShouldRunDaemonPod, predicates only): nodeSelector, required
/// node affinity terms, and NoSchedule/NoExecute taints the pod (with the daemon defaults) tolerates.
/// </summary>
internal static class NodeEligibility
{
    /// <summary>The tolerations the DaemonSet controller adds to every daemon pod.</summary>
    public static readonly IReadOnlyList<V1Toleration> DefaultTolerations =
    [
        new() { Key = "node.kubernetes.io/not-ready", OperatorProperty = "Exists", Effect = "NoExecute" },
        new() { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute" },
        new() { Key = "node.kubernetes.io/disk-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" },
        new() { Key = "node.kubernetes.io/memory-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" },
        new() { Key = "node.kubernetes.io/pid-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" },
        new() { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" },
    ];

    public static IEnumerable<V1Toleration> Tolerations(V1PodSpec spec)
    {
        var all = (spec.Tolerations ?? []).Concat(DefaultTolerations);
        return spec.HostNetwork == true
            ? all.Append(new V1Toleration { Key = "node.kubernetes.io/network-unavailable", OperatorProperty = "Exists", Effect = "NoSchedule" })
            : all;
    }

    public static bool ShouldRun(V1PodSpec spec, V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        if (spec.NodeSelector is { } selector && selector.Any(kv => !labels.TryGetValue(kv.Key, out var v) || v != kv.Value)) return false;
        var terms = spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        if (terms is { Count: > 0 } && !terms.Any(t => TermMatches(t, node))) return false;
        var tolerations = Tolerations(spec).ToList();
        return (node.Spec?.Taints ?? []).Where(t => t.Effect is "NoSchedule" or "NoExecute").All(t => tolerations.Any(tol => Tolerates(tol, t)));
    }

    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect) return false;
        if (string.IsNullOrEmpty(toleration.Key)) return toleration.OperatorProperty == "Exists";
        if (toleration.Key != taint.Key) return false;
        return toleration.OperatorProperty == "Exists" || (toleration.Value ?? "") == (taint.Value ?? "");
    }

    /// <summary>One node selector term: every expression and field requirement must hold (an empty term matches nothing).</summary>
    public static bool TermMatches(V1NodeSelectorTerm term, V1Node node)
    {
        if ((term.MatchExpressions?.Count ?? 0) == 0 && (term.MatchFields?.Count ?? 0) == 0) return false;
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        foreach (var e in term.MatchExpressions ?? [])
            if (!Matches(e, labels.TryGetValue(e.Key, out var v) ? v : null)) return false;
        foreach (var e in term.MatchFields ?? [])
            if (!Matches(e, e.Key == "metadata.name" ? node.Metadata.Name : null)) return false;
        return true;
    }

    private static bool Matches(V1NodeSelectorRequirement r, string? value) => r.OperatorProperty switch
    {
        "In" => value is not null && (r.Values ?? []).Contains(value),
        "NotIn" => value is null || !(r.Values ?? []).Contains(value),
        "Exists" => value is not null,
        "DoesNotExist" => value is null,
        "Gt" => long.TryParse(value, CultureInfo.InvariantCulture, out var a) && r.Values is [var gt] && long.TryParse(gt, CultureInfo.InvariantCulture, out var b) && a > b,
        "Lt" => long.TryParse(value, CultureInfo.InvariantCulture, out var c) && r.Values is [var lt] && long.TryParse(lt, CultureInfo.InvariantCulture, out var d) && c < d,
        _ => false,
    };

    /// <summary>The node a daemon pod is for: spec.nodeName, else the single metadata.name value of its required affinity.</summary>
    public static string? NodeOf(V1Pod pod)
    {
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName)) return pod.Spec.NodeName;
        var terms = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        return terms?.SelectMany(t => t.MatchFields ?? []).FirstOrDefault(f => f.Key == "metadata.name" && f.OperatorProperty == "In")?.Values?.FirstOrDefault();
    }

    /// <summary>Upstream's ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become one matchFields term naming the node.</summary>
    public static void PinToNode(V1PodSpec spec, string node)
    {
        spec.Affinity ??= new V1Affinity();
        spec.Affinity.NodeAffinity ??= new V1NodeAffinity();
        spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
        {
            NodeSelectorTerms =
            [
                new V1NodeSelectorTerm
                {
                    MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [node] }],
                },
            ],
        };
        var tolerations = spec.Tolerations?.ToList() ?? [];
        foreach (var t in DefaultTolerations)
            if (!tolerations.Any(x => x.Key == t.Key && x.Effect == t.Effect)) tolerations.Add(t);
        spec.Tolerations = tolerations;
    }
}
