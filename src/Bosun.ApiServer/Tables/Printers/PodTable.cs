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

    private static TableRowCondition? Condition(JsonObject pod) => JsonRead.Str(pod["status"], "phase") switch
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

        var initSpecs = JsonRead.Arr(spec, "initContainers");
        int initCount = initSpecs?.Count ?? 0;
        long total = JsonRead.Count(spec, "containers");
        HashSet<string>? restartableInit = null;
        foreach (var c in JsonRead.Objects(initSpecs))
        {
            // Sidecars (init containers with restartPolicy Always) run alongside the app containers and count as such.
            if (JsonRead.Str(c, "restartPolicy") == "Always")
            {
                (restartableInit ??= new HashSet<string>(StringComparer.Ordinal)).Add(JsonRead.Str(c, "name"));
                total++;
            }
        }

        string phase = JsonRead.Str(status, "phase");
        string statusReason = JsonRead.Str(status, "reason");
        string reason = statusReason.Length > 0 ? statusReason : phase;

        var conditions = JsonRead.Arr(status, "conditions");
        foreach (var cond in JsonRead.Objects(conditions))
        {
            if (JsonRead.Str(cond, "type") == "PodScheduled" && JsonRead.Str(cond, "reason") == "SchedulingGated")
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

        var initStatuses = JsonRead.Arr(status, "initContainerStatuses");
        int i = 0;
        foreach (var c in JsonRead.Objects(initStatuses))
        {
            long count = JsonRead.Long(c, "restartCount");
            restarts += count;
            var finished = LastTerminated(c);
            lastRestart = Later(lastRestart, finished);
            bool sidecar = restartableInit is not null && restartableInit.Contains(JsonRead.Str(c, "name"));
            if (sidecar)
            {
                sidecarRestarts += count;
                lastSidecarRestart = Later(lastSidecarRestart, finished);
            }

            var state = c["state"];
            var terminated = JsonRead.Obj(state, "terminated");
            var waiting = JsonRead.Obj(state, "waiting");
            if (terminated is not null && JsonRead.Long(terminated, "exitCode") == 0)
            {
                i++;
                continue;
            }
            if (sidecar && JsonRead.Bool(c, "started"))
            {
                if (JsonRead.Bool(c, "ready"))
                {
                    ready++;
                }
                i++;
                continue;
            }
            if (terminated is not null)
            {
                string r = JsonRead.Str(terminated, "reason");
                if (r.Length > 0)
                {
                    reason = "Init:" + r;
                }
                else
                {
                    long signal = JsonRead.Long(terminated, "signal");
                    reason = signal != 0 ? "Init:Signal:" + signal : "Init:ExitCode:" + JsonRead.Long(terminated, "exitCode");
                }
            }
            else if (waiting is not null && JsonRead.Str(waiting, "reason") is { Length: > 0 } w && w != "PodInitializing")
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
            var statuses = JsonRead.Arr(status, "containerStatuses");
            for (int k = (statuses?.Count ?? 0) - 1; k >= 0; k--)
            {
                if (statuses![k] is not JsonObject c)
                {
                    continue;
                }
                restarts += JsonRead.Long(c, "restartCount");
                lastRestart = Later(lastRestart, LastTerminated(c));

                var state = c["state"];
                var waiting = JsonRead.Obj(state, "waiting");
                var terminated = JsonRead.Obj(state, "terminated");
                if (waiting is not null && JsonRead.Str(waiting, "reason") is { Length: > 0 } w)
                {
                    reason = w;
                }
                else if (terminated is not null && JsonRead.Str(terminated, "reason") is { Length: > 0 } t)
                {
                    reason = t;
                }
                else if (terminated is not null)
                {
                    long signal = JsonRead.Long(terminated, "signal");
                    reason = signal != 0 ? "Signal:" + signal : "ExitCode:" + JsonRead.Long(terminated, "exitCode");
                }
                else if (JsonRead.Bool(c, "ready") && JsonRead.Obj(state, "running") is not null)
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

        bool deleting = JsonRead.StrOrNull(metadata, "deletionTimestamp") is { Length: > 0 };
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
        if (JsonRead.Arr(status, "podIPs") is { Count: > 0 } ips && ips[0] is JsonObject first)
        {
            ip = JsonRead.Str(first, "ip");
        }
        if (ip.Length == 0)
        {
            // The v1 conversion fills podIPs from podIP; a stored object may only have the latter.
            ip = JsonRead.Str(status, "podIP");
        }

        return
        [
            JsonRead.Name(pod),
            CellFormat.Ratio(ready, total),
            reason,
            restartsCell,
            JsonRead.Age(pod, now),
            OrNone(ip),
            OrNone(JsonRead.Str(spec, "nodeName")),
            OrNone(JsonRead.Str(status, "nominatedNodeName")),
            ReadinessGates(JsonRead.Arr(spec, "readinessGates"), conditions),
        ];
    }

    private static string ReadinessGates(JsonArray? gates, JsonArray? conditions)
    {
        if (gates is not { Count: > 0 })
        {
            return CellFormat.None;
        }
        int trueCount = 0;
        foreach (var gate in JsonRead.Objects(gates))
        {
            string type = JsonRead.Str(gate, "conditionType");
            foreach (var cond in JsonRead.Objects(conditions))
            {
                if (JsonRead.Str(cond, "type") == type)
                {
                    if (JsonRead.Str(cond, "status") == "True")
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
        foreach (var cond in JsonRead.Objects(conditions))
        {
            if (JsonRead.Str(cond, "type") == type && JsonRead.Str(cond, "status") == "True")
            {
                return true;
            }
        }
        return false;
    }

    private static DateTimeOffset? LastTerminated(JsonObject containerStatus) =>
        JsonRead.Time(JsonRead.Obj(JsonRead.Obj(containerStatus, "lastState"), "terminated"), "finishedAt");

    private static DateTimeOffset? Later(DateTimeOffset? current, DateTimeOffset? candidate) =>
        candidate is { } c && (current is null || current.Value < c) ? c : current;

    private static string OrNone(string s) => s.Length == 0 ? CellFormat.None : s;
}
