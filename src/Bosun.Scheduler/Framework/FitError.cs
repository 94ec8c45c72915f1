using System.Text;

namespace Bosun.Scheduler.Framework;

/// <summary>
/// Why no node fits, counted the way kube-scheduler prints it: <c>0/3 nodes are available: 1 node(s) were
/// unschedulable, 2 Insufficient cpu.</c> — "count reason" pairs sorted as strings — followed by what preemption
/// (the PostFilter step) says, itself a complete message with its own period, so upstream's output ends in two:
/// <c>preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..</c>
/// </summary>
public sealed class FitError(int numAllNodes, IReadOnlyDictionary<string, int> reasons, string? preFilterMessage, string? postFilterMessage,
    IReadOnlySet<string>? rejectedBy = null)
{
    /// <summary>The plugins that rejected at least one node (which cluster events may help the pod).</summary>
    public IReadOnlySet<string> RejectedBy { get; } = rejectedBy ?? new HashSet<string>();

    public const string NoNodesAvailable = "no nodes available to schedule pods";

    public int NumAllNodes => numAllNodes;
    public IReadOnlyDictionary<string, int> Reasons => reasons;
    public string? PreFilterMessage => preFilterMessage;
    public string? PostFilterMessage => postFilterMessage;

    public string Message
    {
        get
        {
            if (numAllNodes == 0 && preFilterMessage is null) return NoNodesAvailable;
            var sb = new StringBuilder();
            sb.Append("0/").Append(numAllNodes).Append(" nodes are available:");
            if (!string.IsNullOrEmpty(preFilterMessage)) sb.Append(' ').Append(preFilterMessage).Append('.');
            else if (Histogram(reasons) is { Length: > 0 } histogram) sb.Append(' ').Append(histogram).Append('.');
            if (!string.IsNullOrEmpty(postFilterMessage)) sb.Append(' ').Append(postFilterMessage).Append('.');
            return sb.ToString();
        }
    }

    /// <summary>"n reason" for each reason, sorted as strings (as upstream's sort.Strings), joined with ", ".</summary>
    public static string Histogram(IReadOnlyDictionary<string, int> reasons)
    {
        var parts = reasons.Select(kv => $"{kv.Value} {kv.Key}").ToList();
        parts.Sort(StringComparer.Ordinal);
        return string.Join(", ", parts);
    }

    public override string ToString() => Message;
}
