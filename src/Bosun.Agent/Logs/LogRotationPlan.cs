using System.Globalization;

namespace Bosun.Agent.Logs;

/// <summary>What to do with one container's log: rename the current file to <see cref="RotateTo"/> (then the runtime
/// reopens the path) and delete the oldest rotated files.</summary>
internal sealed record LogRotationPlan(string? RotateTo, IReadOnlyList<string> Delete)
{
    public static readonly LogRotationPlan Nothing = new(null, []);

    /// <summary>
    /// The kubelet's policy: rotate when the current file exceeds <paramref name="maxSize"/>, naming the rotated file
    /// <c>&lt;current&gt;.&lt;yyyyMMdd-HHmmss&gt;</c>; keep at most <paramref name="maxFiles"/> files including the current one.
    /// <paramref name="rotated"/> are the existing rotated files of this container.
    /// </summary>
    public static LogRotationPlan Decide(string current, long currentSize, IReadOnlyList<string> rotated, long maxSize, int maxFiles, DateTimeOffset now)
    {
        if (currentSize <= maxSize) return Nothing;
        var target = $"{current}.{now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        var all = rotated.Append(target).Distinct().Order(StringComparer.Ordinal).ToList();
        // After rotating there are all.Count rotated files plus the new current one.
        var excess = all.Count + 1 - Math.Max(maxFiles, 2);
        var delete = excess > 0 ? all.Take(excess).Where(f => f != target).ToList() : [];
        return new LogRotationPlan(rotated.Contains(target) ? null : target, delete);
    }
}
