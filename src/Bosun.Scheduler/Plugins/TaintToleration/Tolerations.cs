using k8s.Models;

namespace Bosun.Scheduler.Plugins.TaintToleration;

/// <summary>Toleration matching (upstream v1helper.TolerationsTolerateTaint).</summary>
public static class Tolerations
{
    public static bool Tolerates(V1Toleration t, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(t.Effect) && t.Effect != taint.Effect) return false;
        if (!string.IsNullOrEmpty(t.Key) && t.Key != taint.Key) return false;
        return t.OperatorProperty switch
        {
            "Exists" => true,
            null or "" or "Equal" => (t.Value ?? "") == (taint.Value ?? "") && !string.IsNullOrEmpty(t.Key),
            _ => false,
        };
    }

    public static bool AnyTolerates(V1Toleration[] tolerations, V1Taint taint)
    {
        foreach (var t in tolerations)
            if (Tolerates(t, taint)) return true;
        return false;
    }

    public static bool AnyTolerates(V1Toleration[] tolerations, string key, string effect)
    {
        foreach (var t in tolerations)
        {
            if (!string.IsNullOrEmpty(t.Effect) && t.Effect != effect) continue;
            if (!string.IsNullOrEmpty(t.Key) && t.Key != key) continue;
            if (t.OperatorProperty == "Exists" || (string.IsNullOrEmpty(t.Value) && !string.IsNullOrEmpty(t.Key))) return true;
        }
        return false;
    }
}
