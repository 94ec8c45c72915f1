using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>Jobs and CronJobs (batch/v1), with the Status/Completions/Duration columns of kubectl 1.32.</summary>
internal static class BatchTables
{
    public static readonly TableConvertor Jobs = new(
    [
        Col.Name(),
        Col.Str("Status", "Status of the job."),
        Col.Str("Completions", ColumnDocs.JobSucceeded),
        Col.Str("Duration", "Time required to complete the job."),
        Col.Age(),
        Col.Containers(),
        Col.Images(),
        Col.Str("Selector", ColumnDocs.JobSelector, 1),
    ], JobCells);

    public static readonly TableConvertor CronJobs = new(
    [
        Col.Name(),
        Col.Str("Schedule", ColumnDocs.CronSchedule),
        Col.Str("Timezone", ColumnDocs.CronTimeZone),
        Col.Bool("Suspend", ColumnDocs.CronSuspend),
        Col.Int("Active", ColumnDocs.CronActive),
        Col.Str("Last Schedule", ColumnDocs.CronLastSchedule),
        Col.Age(),
        Col.Containers(),
        Col.Images(),
        Col.Str("Selector", ColumnDocs.JobSelector, 1),
    ], CronJobCells);

    private static object?[] JobCells(JsonObject job, DateTimeOffset now)
    {
        var spec = job["spec"];
        var status = job["status"];
        long succeeded = JsonRead.Long(status, "succeeded");

        string completions;
        long? wanted = JsonRead.LongOrNull(spec, "completions");
        long? parallelism = JsonRead.LongOrNull(spec, "parallelism");
        if (wanted is null && parallelism is null)
        {
            // Defaulting turns a Job without completions or parallelism into a single-completion Job.
            wanted = 1;
        }
        if (wanted is { } w)
        {
            completions = succeeded + "/" + w;
        }
        else
        {
            completions = parallelism > 1 ? succeeded + "/1 of " + parallelism : succeeded + "/1";
        }

        var start = JsonRead.Time(status, "startTime");
        var completion = JsonRead.Time(status, "completionTime");
        string duration = start is null ? ""
            : completion is null ? HumanDuration.Format(now - start.Value)
            : HumanDuration.Format(completion.Value - start.Value);

        var conditions = JsonRead.Arr(status, "conditions");
        string state;
        if (HasCondition(conditions, "Complete"))
        {
            state = "Complete";
        }
        else if (HasCondition(conditions, "Failed"))
        {
            state = "Failed";
        }
        else if (JsonRead.StrOrNull(job["metadata"], "deletionTimestamp") is { Length: > 0 })
        {
            state = "Terminating";
        }
        else if (HasCondition(conditions, "Suspended"))
        {
            state = "Suspended";
        }
        else if (HasCondition(conditions, "FailureTarget"))
        {
            state = "FailureTarget";
        }
        else
        {
            state = "Running";
        }

        var (names, images) = WorkloadTables.TemplateContainers(spec);
        return
        [
            JsonRead.Name(job), state, completions, duration, JsonRead.Age(job, now),
            names, images, CellFormat.LabelSelector(JsonRead.Obj(spec, "selector")),
        ];
    }

    private static object?[] CronJobCells(JsonObject cj, DateTimeOffset now)
    {
        var spec = cj["spec"];
        var status = cj["status"];
        var last = JsonRead.Time(status, "lastScheduleTime");
        var jobSpec = JsonRead.Obj(JsonRead.Obj(spec, "jobTemplate"), "spec");
        var (names, images) = WorkloadTables.TemplateContainers(jobSpec);
        return
        [
            JsonRead.Name(cj),
            JsonRead.Str(spec, "schedule"),
            JsonRead.StrOrNull(spec, "timeZone") ?? CellFormat.None,
            // Defaulting sets suspend to false, so a stored object without it prints False rather than <unset>.
            CellFormat.BoolPtr(JsonRead.BoolOrNull(spec, "suspend") ?? false),
            (long)JsonRead.Count(status, "active"),
            last is null ? CellFormat.None : HumanDuration.Format(now - last.Value),
            JsonRead.Age(cj, now),
            names,
            images,
            CellFormat.LabelSelector(JsonRead.Obj(jobSpec, "selector")),
        ];
    }

    /// <summary>The first condition of the type decides, as <c>hasJobCondition</c> does.</summary>
    private static bool HasCondition(JsonArray? conditions, string type)
    {
        foreach (var c in JsonRead.Objects(conditions))
        {
            if (JsonRead.Str(c, "type") == type)
            {
                return JsonRead.Str(c, "status") == "True";
            }
        }
        return false;
    }
}
