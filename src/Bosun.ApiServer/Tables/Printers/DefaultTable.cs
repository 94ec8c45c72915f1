using System.Globalization;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>
/// The convertor for kinds without a printer (Roles, LimitRanges, custom resources, ...): Name and Created At, the
/// latter a <c>date</c> column holding the RFC 3339 creation time rather than an age. Custom resources without printer
/// columns get Name and Age instead.
/// </summary>
internal static class DefaultTable
{
    public static readonly TableConvertor Convertor = new(
    [
        Col.Name(),
        new TableColumn("Created At", "date", "", ColumnDocs.CreationTimestamp, 0),
    ], (obj, _) =>
    [
        Json.Name(obj),
        // Go formats the zero time here too, so a missing timestamp prints as year 1.
        (Json.Time(obj["metadata"], "creationTimestamp") ?? DateTimeOffset.MinValue)
            .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    ]);

    public static readonly TableConvertor CustomResource = new(
    [
        Col.Name(),
        new TableColumn("Age", "date", "", ColumnDocs.CreationTimestamp, 0),
    ], (obj, now) => [Json.Name(obj), Json.Age(obj, now)]);
}
