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
        long succeeded = Json.Long(status, "succeeded");

        string completions;
        long? wanted = Json.LongOrNull(spec, "completions");
        long? parallelism = Json.LongOrNull(spec, "parallelism");
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

        var start = Json.Time(status, "startTime");
        var completion = Json.Time(status, "completionTime");
        string duration = start is null ? ""
            : completion is null ? HumanDuration.Format(now - start.Value)
            : HumanDuration.Format(completion.Value - start.Value);

        var conditions = Json.Arr(status, "conditions");
        string state;
        if (HasCondition(conditions, "Complete"))
        {
            state = "Complete";
        }
        else if (HasCondition(conditions, "Failed"))
        {
            state = "Failed";
        }
        else if (Json.StrOrNull(job["metadata"], "deletionTimestamp") is { Length: > 0 })
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
            Json.Name(job), state, completions, duration, Json.Age(job, now),
            names, images, CellFormat.LabelSelector(Json.Obj(spec, "selector")),
        ];
    }

    private static object?[] CronJobCells(JsonObject cj, DateTimeOffset now)
    {
        var spec = cj["spec"];
        var status = cj["status"];
        var last = Json.Time(status, "lastScheduleTime");
        var jobSpec = Json.Obj(Json.Obj(spec, "jobTemplate"), "spec");
        var (names, images) = WorkloadTables.TemplateContainers(jobSpec);
        return
        [
            Json.Name(cj),
            Json.Str(spec, "schedule"),
            Json.StrOrNull(spec, "timeZone") ?? CellFormat.None,
            // Defaulting sets suspend to false, so a stored object without it prints False rather than <unset>.
            CellFormat.BoolPtr(Json.BoolOrNull(spec, "suspend") ?? false),
            (long)Json.Count(status, "active"),
            last is null ? CellFormat.None : HumanDuration.Format(now - last.Value),
            Json.Age(cj, now),
            names,
            images,
            CellFormat.LabelSelector(Json.Obj(jobSpec, "selector")),
        ];
    }

    /// <summary>The first condition of the type decides, as <c>hasJobCondition</c> does.</summary>
    private static bool HasCondition(JsonArray? conditions, string type)
    {
        foreach (var c in Json.Objects(conditions))
        {
            if (Json.Str(c, "type") == type)
            {
                return Json.Str(c, "status") == "True";
            }
        }
        return false;
    }
}
