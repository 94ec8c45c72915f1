using System.Globalization;
using System.Text;

namespace Bosun.ApiServer.Protobuf;

/// <summary>Formats nanoseconds as Go's <c>time.Duration.String()</c> does: <c>1h2m3.5s</c>, <c>1.5ms</c>, <c>0s</c>.</summary>
internal static class GoDuration
{
    public static string Format(long nanoseconds)
    {
        if (nanoseconds == 0) return "0s";
        var negative = nanoseconds < 0;
        var u = negative ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (u < 1_000_000_000UL)
        {
            // Sub-second: the largest unit of ns, µs, ms with a fraction.
            var (unit, scale) = u < 1_000UL ? ("ns", 1UL) : u < 1_000_000UL ? ("µs", 1_000UL) : ("ms", 1_000_000UL);
            AppendFraction(sb, u, scale);
            return sb.Append(unit).ToString();
        }
        var hours = u / 3_600_000_000_000UL;
        var rest = u % 3_600_000_000_000UL;
        var minutes = rest / 60_000_000_000UL;
        rest %= 60_000_000_000UL;
        if (hours > 0) sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        if (hours > 0 || minutes > 0) sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        AppendFraction(sb, rest, 1_000_000_000UL);
        return sb.Append('s').ToString();
    }

    private static void AppendFraction(StringBuilder sb, ulong value, ulong scale)
    {
        sb.Append((value / scale).ToString(CultureInfo.InvariantCulture));
        var frac = value % scale;
        if (frac == 0) return;
        var digits = scale.ToString(CultureInfo.InvariantCulture).Length - 1;
        sb.Append('.').Append(frac.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0'));
    }
}
