using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>
/// Pods: Name, Ready, Status, Restarts, Age, IP, Node, Nominated Node, Readiness Gates. The Status cell follows
/// kubectl's well-known reasoning (init progress, waiting/terminated reasons, Terminating, NodeLost as Unknown).
/// </summary>
internal static class PodTable
{
    private const string NodeUnreachablePodReason = "NodeLost";

    private static readonly TableRowCondition Succeeded = new("Completed", "True", "Succeeded", "The pod has completed successfully.");
    private static readonly TableRowCondition Failed = new("Completed", "True", "Failed", "The pod failed.");

    public static readonly TableConvertor Convertor = new(
    [
        Col.Name(),
        Col.Str("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        Col.Str("Status", "The aggregate status of the containers in this pod."),
        Col.Str("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        Col.Age(),
        Col.Str("IP", ColumnDocs.PodIP, 1),
        Col.Str("Node", ColumnDocs.PodNodeName, 1),
        Col.Str("Nominated Node", ColumnDocs.PodNominatedNodeName, 1),
        Col.Str("Readiness Gates", ColumnDocs.PodReadinessGates, 1),
    ], Cells, Condition);

    private static TableRowCondition? Condition(JsonObject pod) => Json.Str(pod["status"], "phase") switch
    {
        "Succeeded" => Succeeded,
        "Failed" => Failed,
        _ => null,
    };

    private static object?[] Cells(JsonObject pod, DateTimeOffset now)
    {
        var metadata = pod["metadata"];
        var spec = pod["spec"];
        var status = pod["status"];

        var initSpecs = Json.Arr(spec, "initContainers");
        int initCount = initSpecs?.Count ?? 0;
        long total = Json.Count(spec, "containers");
        HashSet<string>? restartableInit = null;
        foreach (var c in Json.Objects(initSpecs))
        {
            // Sidecars (init containers with restartPolicy Always) run alongside the app containers and count as such.
            if (Json.Str(c, "restartPolicy") == "Always")
            {
                (restartableInit ??= new HashSet<string>(StringComparer.Ordinal)).Add(Json.Str(c, "name"));
                total++;
            }
        }

        string phase = Json.Str(status, "phase");
        string statusReason = Json.Str(status, "reason");
        string reason = statusReason.Length > 0 ? statusReason : phase;

        var conditions = Json.Arr(status, "conditions");
        foreach (var cond in Json.Objects(conditions))
        {
            if (Json.Str(cond, "type") == "PodScheduled" && Json.Str(cond, "reason") == "SchedulingGated")
            {
                reason = "SchedulingGated";
            }
        }

        long ready = 0;
        long restarts = 0;
        long sidecarRestarts = 0;
        DateTimeOffset? lastRestart = null;
        DateTimeOffset? lastSidecarRestart = null;
        bool initializing = false;

        var initStatuses = Json.Arr(status, "initContainerStatuses");
        int i = 0;
        foreach (var c in Json.Objects(initStatuses))
        {
            long count = Json.Long(c, "restartCount");
            restarts += count;
            var finished = LastTerminated(c);
            lastRestart = Later(lastRestart, finished);
            bool sidecar = restartableInit is not null && restartableInit.Contains(Json.Str(c, "name"));
            if (sidecar)
            {
                sidecarRestarts += count;
                lastSidecarRestart = Later(lastSidecarRestart, finished);
            }

            var state = c["state"];
            var terminated = Json.Obj(state, "terminated");
            var waiting = Json.Obj(state, "waiting");
            if (terminated is not null && Json.Long(terminated, "exitCode") == 0)
            {
                i++;
                continue;
            }
            if (sidecar && Json.Bool(c, "started"))
            {
                if (Json.Bool(c, "ready"))
                {
                    ready++;
                }
                i++;
                continue;
            }
            if (terminated is not null)
            {
                string r = Json.Str(terminated, "reason");
                if (r.Length > 0)
                {
                    reason = "Init:" + r;
                }
                else
                {
                    long signal = Json.Long(terminated, "signal");
                    reason = signal != 0 ? "Init:Signal:" + signal : "Init:ExitCode:" + Json.Long(terminated, "exitCode");
                }
            }
            else if (waiting is not null && Json.Str(waiting, "reason") is { Length: > 0 } w && w != "PodInitializing")
            {
                reason = "Init:" + w;
            }
            else
            {
                reason = "Init:" + i + "/" + initCount;
            }
            initializing = true;
            break;
        }

        if (!initializing || HasTrueCondition(conditions, "Initialized"))
        {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            bool hasRunning = false;
            var statuses = Json.Arr(status, "containerStatuses");
            for (int k = (statuses?.Count ?? 0) - 1; k >= 0; k--)
            {
                if (statuses![k] is not JsonObject c)
                {
                    continue;
                }
                restarts += Json.Long(c, "restartCount");
                lastRestart = Later(lastRestart, LastTerminated(c));

                var state = c["state"];
                var waiting = Json.Obj(state, "waiting");
                var terminated = Json.Obj(state, "terminated");
                if (waiting is not null && Json.Str(waiting, "reason") is { Length: > 0 } w)
                {
                    reason = w;
                }
                else if (terminated is not null && Json.Str(terminated, "reason") is { Length: > 0 } t)
                {
                    reason = t;
                }
                else if (terminated is not null)
                {
                    long signal = Json.Long(terminated, "signal");
                    reason = signal != 0 ? "Signal:" + signal : "ExitCode:" + Json.Long(terminated, "exitCode");
                }
                else if (Json.Bool(c, "ready") && Json.Obj(state, "running") is not null)
                {
                    hasRunning = true;
                    ready++;
                }
            }

            // A pod whose last container exited cleanly while another still runs is not "Completed" yet.
            if (reason == "Completed" && hasRunning)
            {
                reason = HasTrueCondition(conditions, "Ready") ? "Running" : "NotReady";
            }
        }

        bool deleting = Json.StrOrNull(metadata, "deletionTimestamp") is { Length: > 0 };
        if (deleting && statusReason == NodeUnreachablePodReason)
        {
            reason = "Unknown";
        }
        else if (deleting && phase != "Succeeded" && phase != "Failed")
        {
            reason = "Terminating";
        }

        string restartsCell = restarts != 0 && lastRestart is { } last
            ? restarts + " (" + HumanDuration.Format(now - last) + " ago)"
            : restarts.ToString(System.Globalization.CultureInfo.InvariantCulture);

        string ip = "";
        if (Json.Arr(status, "podIPs") is { Count: > 0 } ips && ips[0] is JsonObject first)
        {
            ip = Json.Str(first, "ip");
        }
        if (ip.Length == 0)
        {
            // The v1 conversion fills podIPs from podIP; a stored object may only have the latter.
            ip = Json.Str(status, "podIP");
        }

        return
        [
            Json.Name(pod),
            CellFormat.Ratio(ready, total),
            reason,
            restartsCell,
            Json.Age(pod, now),
            OrNone(ip),
            OrNone(Json.Str(spec, "nodeName")),
            OrNone(Json.Str(status, "nominatedNodeName")),
            ReadinessGates(Json.Arr(spec, "readinessGates"), conditions),
        ];
    }

    private static string ReadinessGates(JsonArray? gates, JsonArray? conditions)
    {
        if (gates is not { Count: > 0 })
        {
            return CellFormat.None;
        }
        int trueCount = 0;
        foreach (var gate in Json.Objects(gates))
        {
            string type = Json.Str(gate, "conditionType");
            foreach (var cond in Json.Objects(conditions))
            {
                if (Json.Str(cond, "type") == type)
                {
                    if (Json.Str(cond, "status") == "True")
                    {
                        trueCount++;
                    }
                    break;
                }
            }
        }
        return trueCount + "/" + gates.Count;
    }

    private static bool HasTrueCondition(JsonArray? conditions, string type)
    {
        foreach (var cond in Json.Objects(conditions))
        {
            if (Json.Str(cond, "type") == type && Json.Str(cond, "status") == "True")
            {
                return true;
            }
        }
        return false;
    }

    private static DateTimeOffset? LastTerminated(JsonObject containerStatus) =>
        Json.Time(Json.Obj(Json.Obj(containerStatus, "lastState"), "terminated"), "finishedAt");

    private static DateTimeOffset? Later(DateTimeOffset? current, DateTimeOffset? candidate) =>
        candidate is { } c && (current is null || current.Value < c) ? c : current;

    private static string OrNone(string s) => s.Length == 0 ? CellFormat.None : s;
}
