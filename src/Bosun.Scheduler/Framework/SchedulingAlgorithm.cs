namespace Bosun.Scheduler.Framework;

/// <summary>
/// The pure core of a scheduling cycle: <c>Schedule(pod, nodes) → ScheduleResult</c>. PreFilter, then Filter over
/// the nodes starting where the previous cycle stopped, until enough feasible nodes are found (upstream's adaptive
/// percentageOfNodesToScore), then PreScore, Score, NormalizeScore and weights, and the best node (ties broken at
/// random). When nothing fits, the reasons are counted into a <see cref="FitError"/>. Not thread-safe: one instance
/// per scheduling loop; it reuses its buffers between cycles.
/// </summary>
public sealed class SchedulingAlgorithm(SchedulerProfile profile, int percentageOfNodesToScore = 0, Random? random = null)
{
    public const int MinFeasibleNodesToFind = 100;
    public const int MinFeasibleNodesPercentageToFind = 5;
    public const string NotHelpful = "Preemption is not helpful for scheduling";
    public const string NoVictims = "No preemption victims found for incoming pod";

    private readonly Random rng = random ?? new Random(0x5eed);
    private readonly List<NodeInfo> feasible = [];
    private long[] totals = [];
    private long[] scores = [];
    private int nextStartNodeIndex;

    public SchedulerProfile Profile => profile;

    /// <summary>How many feasible nodes to look for before scoring (upstream numFeasibleNodesToFind).</summary>
    public static int NumFeasibleNodesToFind(int numAllNodes, int percentage = 0)
    {
        if (numAllNodes < MinFeasibleNodesToFind || percentage >= 100) return numAllNodes;
        var adaptive = percentage;
        if (adaptive <= 0)
        {
            adaptive = 50 - numAllNodes / 125;
            if (adaptive < MinFeasibleNodesPercentageToFind) adaptive = MinFeasibleNodesPercentageToFind;
        }
        var n = (int)((long)numAllNodes * adaptive / 100);
        return Math.Max(n, MinFeasibleNodesToFind);
    }

    /// <summary>Schedules over plain nodes (tests): the snapshot hints are computed first.</summary>
    public ScheduleResult Schedule(PodInfo pod, IReadOnlyList<NodeInfo> nodes) => Schedule(pod, Snapshot.From(nodes));

    public ScheduleResult Schedule(PodInfo pod, Snapshot nodes)
    {
        if (nodes.Count == 0) return new ScheduleResult(null, 0, 0, new FitError(0, new Dictionary<string, int>(), null, null));
        var state = new CycleState();
        foreach (var p in profile.PreFilters)
        {
            var s = p.PreFilter(state, pod, nodes);
            if (!s.IsSuccess)
            {
                var post = PostFilterMessage(pod, nodes.Count, unresolvable: s.Code != StatusCode.Unschedulable ? nodes.Count : 0);
                return new ScheduleResult(null, 0, 0, new FitError(nodes.Count, new Dictionary<string, int>(), s.Message, post, new HashSet<string> { p.Name }));
            }
        }

        feasible.Clear();
        var want = NumFeasibleNodesToFind(nodes.Count, percentageOfNodesToScore);
        Dictionary<string, int>? reasons = null;
        HashSet<string>? rejectedBy = null;
        var unresolvable = 0;
        var processed = 0;
        var n = nodes.Count;
        var start = nextStartNodeIndex % n;
        for (; processed < n && feasible.Count < want; processed++)
        {
            var node = nodes[(start + processed) % n];
            var status = RunFilters(state, pod, node, out var plugin);
            if (status.IsSuccess)
            {
                feasible.Add(node);
                continue;
            }
            reasons ??= [];
            (rejectedBy ??= []).Add(plugin!);
            if (status.Code != StatusCode.Unschedulable) unresolvable++;
            status.CountReasons(reasons);
        }
        nextStartNodeIndex = (start + processed) % n;

        if (feasible.Count == 0)
            return new ScheduleResult(null, processed, 0, new FitError(n, reasons ?? [], null, PostFilterMessage(pod, n, unresolvable), rejectedBy));
        if (feasible.Count == 1) return new ScheduleResult(feasible[0].Name, processed, 1, null);

        foreach (var p in profile.PreScores) p.PreScore(state, pod, nodes);
        var best = SelectHost(state, pod);
        return new ScheduleResult(best.Name, processed, feasible.Count, null);
    }

    private Status RunFilters(CycleState state, PodInfo pod, NodeInfo node, out string? plugin)
    {
        var filters = profile.Filters;
        for (var i = 0; i < filters.Count; i++)
        {
            var s = filters[i].Filter(state, pod, node);
            if (!s.IsSuccess)
            {
                plugin = filters[i].Name;
                return s;
            }
        }
        plugin = null;
        return Status.Success;
    }

    private NodeInfo SelectHost(CycleState state, PodInfo pod)
    {
        var count = feasible.Count;
        if (totals.Length < count)
        {
            totals = new long[Math.Max(count, totals.Length * 2)];
            scores = new long[totals.Length];
        }
        var total = totals.AsSpan(0, count);
        total.Clear();
        var span = scores.AsSpan(0, count);
        foreach (var (plugin, weight) in profile.Scores)
        {
            for (var i = 0; i < count; i++) span[i] = plugin.Score(state, pod, feasible[i]);
            if (plugin is INormalizeScorePlugin normalize) normalize.NormalizeScore(state, pod, span);
            for (var i = 0; i < count; i++) total[i] += span[i] * weight;
        }
        // Highest total wins; ties are broken uniformly at random (reservoir sampling), as upstream selectHost.
        var bestIndex = 0;
        var ties = 1;
        for (var i = 1; i < count; i++)
        {
            if (total[i] > total[bestIndex])
            {
                bestIndex = i;
                ties = 1;
            }
            else if (total[i] == total[bestIndex] && rng.Next(++ties) == 0)
            {
                bestIndex = i;
            }
        }
        return feasible[bestIndex];
    }

    /// <summary>
    /// What default preemption reports when nothing fits: a whole FitError message of its own, ending in a period, to
    /// which the outer message adds another: kube-scheduler really prints "… for incoming pod..". Bosun does not preempt yet: a node rejected for a reason
    /// preemption cannot fix is "not helpful"; any other node reports that no victims were found.
    /// </summary>
    private static string PostFilterMessage(PodInfo pod, int numAllNodes, int unresolvable)
    {
        if (pod.Pod.Spec?.PreemptionPolicy == "Never") return "preemption: not eligible due to preemptionPolicy=Never.";
        var reasons = new Dictionary<string, int>();
        if (unresolvable > 0) reasons[NotHelpful] = unresolvable;
        if (numAllNodes - unresolvable > 0) reasons[NoVictims] = numAllNodes - unresolvable;
        return $"preemption: 0/{numAllNodes} nodes are available: {FitError.Histogram(reasons)}.";
    }
}
