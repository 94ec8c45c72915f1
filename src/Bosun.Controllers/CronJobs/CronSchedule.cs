using System.Globalization;

namespace Bosun.Controllers.CronJobs;

/// <summary>
/// A standard 5-field cron schedule (minute hour day-of-month month day-of-week) as the CronJob controller reads it:
/// <c>*</c>, <c>?</c>, ranges, steps, lists, month and weekday names, 7 as Sunday, and the <c>@hourly</c> family. As in
/// cron, when both day fields are restricted a day matches either of them.
/// </summary>
internal sealed class CronSchedule
{
    private readonly ulong minutes, hours, days, months, weekdays;
    private readonly bool dayStar, weekdayStar;

    private CronSchedule(ulong minutes, ulong hours, ulong days, ulong months, ulong weekdays, bool dayStar, bool weekdayStar)
    {
        (this.minutes, this.hours, this.days, this.months, this.weekdays) = (minutes, hours, days, months, weekdays);
        (this.dayStar, this.weekdayStar) = (dayStar, weekdayStar);
    }

    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    public static bool TryParse(string? text, out CronSchedule? schedule, out string? error)
    {
        schedule = null;
        error = null;
        try
        {
            schedule = Parse(text);
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    public static CronSchedule Parse(string? text)
    {
        var s = (text ?? "").Trim();
        if (s.StartsWith("TZ=", StringComparison.Ordinal) || s.StartsWith("CRON_TZ=", StringComparison.Ordinal))
            throw new FormatException("CRON_TZ or TZ is not supported in schedule; use spec.timeZone");
        s = s.ToLowerInvariant() switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ when s.StartsWith('@') => throw new FormatException($"unrecognized descriptor: {s}"),
            _ => s,
        };
        var fields = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5) throw new FormatException($"expected exactly 5 fields, found {fields.Length}: {text}");
        var weekdays = Field(fields[4], 0, 7, DayNames);
        if ((weekdays & (1UL << 7)) != 0) weekdays = (weekdays | 1) & ~(1UL << 7);   // 7 is Sunday too
        return new CronSchedule(
            Field(fields[0], 0, 59, null), Field(fields[1], 0, 23, null), Field(fields[2], 1, 31, null),
            Field(fields[3], 1, 12, MonthNames), weekdays,
            fields[2] is "*" or "?", fields[4] is "*" or "?");
    }

    private static ulong Field(string field, int min, int max, string[]? names)
    {
        ulong bits = 0;
        foreach (var part in field.Split(','))
        {
            if (part.Length == 0) throw new FormatException($"empty list item in '{field}'");
            var rangeAndStep = part.Split('/');
            if (rangeAndStep.Length > 2) throw new FormatException($"too many slashes: '{part}'");
            int lo, hi;
            var range = rangeAndStep[0];
            if (range is "*" or "?")
            {
                (lo, hi) = (min, max);
            }
            else
            {
                var bounds = range.Split('-');
                if (bounds.Length > 2) throw new FormatException($"too many hyphens: '{part}'");
                lo = Value(bounds[0], names, min);
                hi = bounds.Length == 2 ? Value(bounds[1], names, min) : lo;
                if (rangeAndStep.Length == 2 && bounds.Length == 1) hi = max;   // "5/10" means 5-max/10
            }
            var step = 1;
            if (rangeAndStep.Length == 2 && (!int.TryParse(rangeAndStep[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step <= 0))
                throw new FormatException($"bad step in '{part}'");
            if (lo < min || hi > max || lo > hi) throw new FormatException($"value out of range [{min}, {max}]: '{part}'");
            for (var v = lo; v <= hi; v += step) bits |= 1UL << v;
        }
        return bits;
    }

    private static int Value(string text, string[]? names, int min)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return v;
        var i = names is null ? -1 : Array.IndexOf(names, text.ToLowerInvariant());
        if (i < 0) throw new FormatException($"failed to parse '{text}'");
        return i + (names == MonthNames ? 1 : 0);
    }

    private static bool Has(ulong bits, int v) => (bits & (1UL << v)) != 0;

    private bool DayMatches(DateTime t)
    {
        var dom = Has(days, t.Day);
        var dow = Has(weekdays, (int)t.DayOfWeek);
        return dayStar || weekdayStar ? dom && dow : dom || dow;
    }

    /// <summary>The first scheduled time strictly after <paramref name="after"/>, evaluated on the wall clock of <paramref name="zone"/>.</summary>
    public DateTimeOffset? Next(DateTimeOffset after, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        var t = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified).AddMinutes(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!Has(months, t.Month)) { t = new DateTime(t.Year, t.Month, 1).AddMonths(1); continue; }
            if (!DayMatches(t)) { t = t.Date.AddDays(1); continue; }
            if (!Has(hours, t.Hour)) { t = t.Date.AddHours(t.Hour + 1); continue; }
            if (!Has(minutes, t.Minute)) { t = t.AddMinutes(1); continue; }
            if (zone.IsInvalidTime(t)) { t = t.AddMinutes(1); continue; }   // skipped by a DST jump
            var offset = zone.IsAmbiguousTime(t) ? zone.GetAmbiguousTimeOffsets(t).Max() : zone.GetUtcOffset(t);
            var result = new DateTimeOffset(t, offset);
            if (result > after) return result.ToUniversalTime();
            t = t.AddMinutes(1);
        }
        return null;
    }
}
