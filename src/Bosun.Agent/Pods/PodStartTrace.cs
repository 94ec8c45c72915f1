using System.Globalization;
using System.Text;

namespace Bosun.Agent.Pods;

/// <summary>
/// Where one pod start goes on the node (issue 5): the time from the informer event to each step of the sync that
/// creates the sandbox, logged once per start as <c>step=ms</c> pairs that <c>bench/run pod-start</c> parses.
/// Steps that happen several times (one per container) add up.
/// </summary>
internal sealed class PodStartTrace(TimeProvider time, long origin)
{
    private readonly long start = origin;
    private readonly List<(string Step, double Ms)> steps = [];
    private long last = origin;

    public void Mark(string step)
    {
        var now = time.GetTimestamp();
        var ms = time.GetElapsedTime(last, now).TotalMilliseconds;
        last = now;
        lock (steps)
        {
            var i = steps.FindIndex(s => s.Step == step);
            if (i < 0) steps.Add((step, ms));
            else steps[i] = (step, steps[i].Ms + ms);
        }
    }

    /// <summary>Marks a step that ran alongside others: its own duration, without moving the sequence on.</summary>
    public void Add(string step, TimeSpan took)
    {
        lock (steps) steps.Add((step, took.TotalMilliseconds));
    }

    public double TotalMs => time.GetElapsedTime(start, last).TotalMilliseconds;

    public override string ToString()
    {
        var text = new StringBuilder();
        lock (steps)
            foreach (var (step, ms) in steps)
                text.Append(CultureInfo.InvariantCulture, $"{step}={ms:0.0} ");
        return text.ToString().TrimEnd();
    }
}
