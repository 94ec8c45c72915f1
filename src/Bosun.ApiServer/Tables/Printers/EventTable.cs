using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>
/// Events, both core/v1 and events.k8s.io/v1. kube-apiserver stores both as one internal type and prints them with the
/// same printer, so the events.k8s.io field names (regarding, note, deprecated*) are mapped onto the core ones here.
/// </summary>
internal static class EventTable
{
    private static readonly TableColumn[] Columns =
    [
        Col.Str("Last Seen", ColumnDocs.EventLastTimestamp),
        Col.Str("Type", ColumnDocs.EventType),
        Col.Str("Reason", ColumnDocs.EventReason),
        Col.Str("Object", ColumnDocs.EventInvolvedObject),
        Col.Str("Subobject", ColumnDocs.EventFieldPath, 1),
        Col.Str("Source", ColumnDocs.EventSource, 1),
        Col.Str("Message", ColumnDocs.EventMessage),
        Col.Str("First Seen", ColumnDocs.EventFirstTimestamp, 1),
        Col.Str("Count", ColumnDocs.EventCount, 1),
        new("Name", "string", "name", ColumnDocs.Name, 1),
    ];

    /// <summary>core/v1 Event.</summary>
    public static readonly TableConvertor Core = new(Columns, (e, now) => Cells(e, now, Fields.Core));

    /// <summary>events.k8s.io/v1 Event.</summary>
    public static readonly TableConvertor EventsApi = new(Columns, (e, now) => Cells(e, now, Fields.EventsApi));

    /// <summary>The JSON names of the fields that differ between the core/v1 and events.k8s.io/v1 Event shapes.</summary>
    private sealed record Fields(
        string FirstTimestamp, string LastTimestamp, string Count, string Regarding, string Source, string Message, string ReportingController)
    {
        public static readonly Fields Core = new("firstTimestamp", "lastTimestamp", "count", "involvedObject", "source", "message", "reportingComponent");
        public static readonly Fields EventsApi = new("deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount", "regarding", "deprecatedSource", "note", "reportingController");
    }

    private static object?[] Cells(JsonObject e, DateTimeOffset now, Fields f)
    {
        var firstTs = Json.Time(e, f.FirstTimestamp);
        string first = firstTs is null
            ? HumanDuration.Since(Json.Time(e, "eventTime"), now)
            : HumanDuration.Since(firstTs, now);

        var lastTs = Json.Time(e, f.LastTimestamp);
        string last = lastTs is null ? first : HumanDuration.Since(lastTs, now);

        long count = Json.Long(e, f.Count);
        if (Json.Obj(e, "series") is { } series)
        {
            last = HumanDuration.Since(Json.Time(series, "lastObservedTime"), now);
            count = Json.Long(series, "count");
        }
        else if (count == 0)
        {
            // Singleton events of the new API carry no count.
            count = 1;
        }

        var regarding = e[f.Regarding];
        string kind = Json.Str(regarding, "kind").ToLowerInvariant();
        string name = Json.Str(regarding, "name");
        string target = name.Length > 0 ? kind + "/" + name : kind;

        var source = e[f.Source];
        string component = FirstNonEmpty(Json.Str(source, "component"), Json.Str(e, f.ReportingController));
        string host = FirstNonEmpty(Json.Str(source, "host"), Json.Str(e, "reportingInstance"));

        return
        [
            last,
            Json.Str(e, "type"),
            Json.Str(e, "reason"),
            target,
            Json.Str(regarding, "fieldPath"),
            host.Length == 0 ? component : component + ", " + host,
            Json.Str(e, f.Message).Trim(),
            first,
            count,
            Json.Name(e),
        ];
    }

    private static string FirstNonEmpty(string a, string b) => a.Length > 0 ? a : b;
}
