namespace Bosun.Scheduler.Framework;

/// <summary>Score helpers shared by plugins (upstream helper.DefaultNormalizeScore).</summary>
public static class ScoreNormalizer
{
    public const long MaxNodeScore = 100;

    /// <summary>Scales scores so the highest becomes 100 (or, reversed, the lowest becomes 100).</summary>
    public static void Default(Span<long> scores, bool reverse)
    {
        long max = 0;
        foreach (var s in scores) max = Math.Max(max, s);
        if (max == 0)
        {
            if (reverse) scores.Fill(MaxNodeScore);
            return;
        }
        for (var i = 0; i < scores.Length; i++)
        {
            var s = MaxNodeScore * scores[i] / max;
            scores[i] = reverse ? MaxNodeScore - s : s;
        }
    }

    /// <summary>Maps [min, max] onto [0, 100] (negative raw scores allowed, as InterPodAffinity has).</summary>
    public static void MinMax(Span<long> scores)
    {
        if (scores.IsEmpty) return;
        long min = long.MaxValue, max = long.MinValue;
        foreach (var s in scores)
        {
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }
        var range = max - min;
        for (var i = 0; i < scores.Length; i++)
            scores[i] = range == 0 ? 0 : MaxNodeScore * (scores[i] - min) / range;
    }
}
