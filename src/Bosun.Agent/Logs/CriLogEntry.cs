using System.Globalization;
using System.Text;

namespace Bosun.Agent.Logs;

/// <summary>One line of a CRI log file: <c>&lt;RFC3339Nano&gt; &lt;stdout|stderr&gt; &lt;P|F&gt; &lt;message&gt;</c>.</summary>
internal sealed record CriLogEntry(DateTimeOffset Time, string TimeText, string Stream, bool Partial, byte[] Message)
{
    /// <summary>Null for a malformed line (skipped, as the kubelet does).</summary>
    public static CriLogEntry? Parse(ReadOnlySpan<byte> line)
    {
        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0) return null;
        var rest = line[(sp1 + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0) return null;
        var stream = Encoding.ASCII.GetString(rest[..sp2]);
        rest = rest[(sp2 + 1)..];
        if (rest.Length < 1 || (rest[0] != 'P' && rest[0] != 'F')) return null;
        var partial = rest[0] == 'P';
        var message = rest.Length > 2 ? rest[2..].ToArray() : [];
        var timeText = Encoding.ASCII.GetString(line[..sp1]);
        if (!DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            return null;
        return new CriLogEntry(time, timeText, stream, partial, message);
    }
}
