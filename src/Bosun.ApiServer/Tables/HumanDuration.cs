using System.Globalization;

namespace Bosun.ApiServer.Tables;

/// <summary>
/// apimachinery's <c>duration.HumanDuration</c>: the short, lossy age strings kubectl shows (<c>5m</c>, <c>3h12m</c>, <c>2y30d</c>).
/// The thresholds are part of the wire contract because the server, not kubectl, renders them.
/// </summary>
internal static class HumanDuration
{
    /// <summary>Printed for a missing timestamp.</summary>
    public const string Unknown = "<unknown>";

    /// <summary>Formats <paramref name="d"/>; more than one second in the future is <c>&lt;invalid&gt;</c>.</summary>
    public static string Format(TimeSpan d)
    {
        // Go truncates towards zero, so -1.9 s still counts as -1 s and prints "0s".
        long seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 60 * 2)
        {
            return Invariant($"{seconds}s");
        }

        long minutes = d.Ticks / TimeSpan.TicksPerMinute;
        if (minutes < 10)
        {
            long s = seconds % 60;
            return s == 0 ? Invariant($"{minutes}m") : Invariant($"{minutes}m{s}s");
        }
        if (minutes < 60 * 3)
        {
            return Invariant($"{minutes}m");
        }

        long hours = d.Ticks / TimeSpan.TicksPerHour;
        if (hours < 8)
        {
            long m = minutes % 60;
            return m == 0 ? Invariant($"{hours}h") : Invariant($"{hours}h{m}m");
        }
        if (hours < 48)
        {
            return Invariant($"{hours}h");
        }
        if (hours < 24 * 8)
        {
            long h = hours % 24;
            return h == 0 ? Invariant($"{hours / 24}d") : Invariant($"{hours / 24}d{h}h");
        }
        if (hours < 24 * 365 * 2)
        {
            return Invariant($"{hours / 24}d");
        }
        if (hours < 24 * 365 * 8)
        {
            long dy = hours / 24 % 365;
            return dy == 0 ? Invariant($"{hours / 24 / 365}y") : Invariant($"{hours / 24 / 365}y{dy}d");
        }
        return Invariant($"{hours / 24 / 365}y");
    }

    /// <summary>Age of <paramref name="timestamp"/> at <paramref name="now"/>, <c>&lt;unknown&gt;</c> when it is missing.</summary>
    public static string Since(DateTimeOffset? timestamp, DateTimeOffset now) =>
        timestamp is { } t ? Format(now - t) : Unknown;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
