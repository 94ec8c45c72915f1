using Bosun.Scheduler.Framework;

namespace Bosun.Scheduler.Plugins.TaintToleration;

/// <summary>
/// Filters out nodes with a NoSchedule or NoExecute taint the pod does not tolerate; scores nodes by how few
/// untolerated PreferNoSchedule taints they have.
/// </summary>
public sealed class TaintTolerationPlugin : IFilterPlugin, INormalizeScorePlugin
{
    public string Name => "TaintToleration";

    public static string Reason(string key, string? value) => $"node(s) had untolerated taint {{{key}: {value}}}";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        foreach (var taint in node.Taints)
        {
            if (taint.Effect is not ("NoSchedule" or "NoExecute")) continue;
            if (!Tolerations.AnyTolerates(pod.Tolerations, taint))
                return Status.UnschedulableAndUnresolvable(Reason(taint.Key, taint.Value));
        }
        return Status.Success;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        long count = 0;
        foreach (var taint in node.Taints)
        {
            if (taint.Effect != "PreferNoSchedule") continue;
            if (!Tolerations.AnyTolerates(pod.Tolerations, taint)) count++;
        }
        return count;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores) => ScoreNormalizer.Default(scores, reverse: true);
}
