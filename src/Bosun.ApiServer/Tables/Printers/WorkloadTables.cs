using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>Workload controllers: ReplicationControllers, ReplicaSets, Deployments, StatefulSets, DaemonSets, PodTemplates, ControllerRevisions.</summary>
internal static class WorkloadTables
{
    public static readonly TableConvertor ReplicationControllers = new(
    [
        Col.Name(),
        Col.Int("Desired", ColumnDocs.RcSpecReplicas),
        Col.Int("Current", ColumnDocs.RcStatusReplicas),
        Col.Int("Ready", ColumnDocs.RcReadyReplicas),
        Col.Age(),
        Col.Containers(),
        Col.Images(),
        Col.Str("Selector", ColumnDocs.RcSelector, 1),
    ], (rc, now) =>
    {
        var spec = rc["spec"];
        var (names, images) = CellFormat.Containers(JsonRead.Arr(JsonRead.Obj(JsonRead.Obj(spec, "template"), "spec"), "containers"));
        return
        [
            JsonRead.Name(rc), DesiredReplicas(spec), JsonRead.Long(rc["status"], "replicas"), JsonRead.Long(rc["status"], "readyReplicas"),
            JsonRead.Age(rc, now), names, images, CellFormat.Labels(JsonRead.Obj(spec, "selector")),
        ];
    });

    public static readonly TableConvertor ReplicaSets = new(
    [
        Col.Name(),
        Col.Int("Desired", ColumnDocs.RsSpecReplicas),
        Col.Int("Current", ColumnDocs.RsStatusReplicas),
        Col.Int("Ready", ColumnDocs.RsReadyReplicas),
        Col.Age(),
        Col.Containers(),
        Col.Images(),
        Col.Str("Selector", ColumnDocs.RsSelector, 1),
    ], (rs, now) =>
    {
        var spec = rs["spec"];
        var (names, images) = TemplateContainers(spec);
        return
        [
            JsonRead.Name(rs), DesiredReplicas(spec), JsonRead.Long(rs["status"], "replicas"), JsonRead.Long(rs["status"], "readyReplicas"),
            JsonRead.Age(rs, now), names, images, CellFormat.LabelSelector(JsonRead.Obj(spec, "selector")),
        ];
    });

    public static readonly TableConvertor Deployments = new(
    [
        Col.Name(),
        Col.Str("Ready", "Number of the pod with ready state"),
        Col.Str("Up-to-date", ColumnDocs.DeployUpdated),
        Col.Str("Available", ColumnDocs.DeployAvailable),
        Col.Age(),
        Col.Containers(),
        Col.Images(),
        Col.Str("Selector", ColumnDocs.DeploySelector, 1),
    ], (d, now) =>
    {
        var spec = d["spec"];
        var status = d["status"];
        var (names, images) = TemplateContainers(spec);
        return
        [
            JsonRead.Name(d), CellFormat.Ratio(JsonRead.Long(status, "readyReplicas"), DesiredReplicas(spec)),
            JsonRead.Long(status, "updatedReplicas"), JsonRead.Long(status, "availableReplicas"), JsonRead.Age(d, now),
            // Deployments print the bare selector string, without the <none> placeholder other kinds use.
            names, images, CellFormat.SelectorString(JsonRead.Obj(spec, "selector")),
        ];
    });

    public static readonly TableConvertor StatefulSets = new(
    [
        Col.Name(),
        Col.Str("Ready", "Number of the pod with ready state"),
        Col.Age(),
        Col.Containers(),
        Col.Images(),
    ], (s, now) =>
    {
        var spec = s["spec"];
        var (names, images) = TemplateContainers(spec);
        return [JsonRead.Name(s), CellFormat.Ratio(JsonRead.Long(s["status"], "readyReplicas"), DesiredReplicas(spec)), JsonRead.Age(s, now), names, images];
    });

    public static readonly TableConvertor DaemonSets = new(
    [
        Col.Name(),
        Col.Int("Desired", ColumnDocs.DsDesired),
        Col.Int("Current", ColumnDocs.DsCurrent),
        Col.Int("Ready", ColumnDocs.DsReady),
        Col.Int("Up-to-date", ColumnDocs.DsUpdated),
        Col.Int("Available", ColumnDocs.DsAvailable),
        Col.Str("Node Selector", ColumnDocs.PodNodeSelector),
        Col.Age(),
        Col.Containers(),
        Col.Images(),
        Col.Str("Selector", ColumnDocs.DsSelector, 1),
    ], (ds, now) =>
    {
        var spec = ds["spec"];
        var status = ds["status"];
        var podSpec = JsonRead.Obj(JsonRead.Obj(spec, "template"), "spec");
        var (names, images) = CellFormat.Containers(JsonRead.Arr(podSpec, "containers"));
        return
        [
            JsonRead.Name(ds), JsonRead.Long(status, "desiredNumberScheduled"), JsonRead.Long(status, "currentNumberScheduled"),
            JsonRead.Long(status, "numberReady"), JsonRead.Long(status, "updatedNumberScheduled"), JsonRead.Long(status, "numberAvailable"),
            CellFormat.Labels(JsonRead.Obj(podSpec, "nodeSelector")), JsonRead.Age(ds, now),
            names, images, CellFormat.LabelSelector(JsonRead.Obj(spec, "selector")),
        ];
    });

    public static readonly TableConvertor PodTemplates = new(
    [
        Col.Name(),
        Col.Containers(0),
        Col.Images(0),
        Col.Str("Pod Labels", "The labels for the pod template."),
    ], (pt, _) =>
    {
        var template = JsonRead.Obj(pt, "template");
        var (names, images) = CellFormat.Containers(JsonRead.Arr(JsonRead.Obj(template, "spec"), "containers"));
        return [JsonRead.Name(pt), names, images, CellFormat.Labels(JsonRead.Obj(JsonRead.Obj(template, "metadata"), "labels"))];
    });

    public static readonly TableConvertor ControllerRevisions = new(
    [
        Col.Name(),
        Col.Str("Controller", "Controller of the object"),
        Col.Str("Revision", ColumnDocs.RevisionRevision),
        Col.Age(),
    ], (cr, now) => [JsonRead.Name(cr), ControllerName(cr), JsonRead.Long(cr, "revision"), JsonRead.Age(cr, now)]);

    /// <summary>The controlling owner as <c>kind.group/name</c> lower-cased (<c>statefulset.apps/web</c>), or <c>&lt;none&gt;</c>.</summary>
    private static string ControllerName(JsonObject obj)
    {
        foreach (var owner in JsonRead.Objects(JsonRead.Arr(obj["metadata"], "ownerReferences")))
        {
            if (!JsonRead.Bool(owner, "controller"))
            {
                continue;
            }
            string kind = JsonRead.Str(owner, "kind");
            string apiVersion = JsonRead.Str(owner, "apiVersion");
            int slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            string group = slash < 0 ? "" : apiVersion[..slash];
            string name = JsonRead.Str(owner, "name");
            if (kind.Length == 0 && group.Length == 0)
            {
                return name;
            }
            string groupKind = group.Length == 0 ? kind : kind + "." + group;
            return groupKind.ToLowerInvariant() + "/" + name;
        }
        return CellFormat.None;
    }

    /// <summary>spec.replicas, which defaulting sets to 1 when a client leaves it out.</summary>
    internal static long DesiredReplicas(JsonNode? spec) => JsonRead.Long(spec, "replicas", 1);

    internal static (string Names, string Images) TemplateContainers(JsonNode? spec) =>
        CellFormat.Containers(JsonRead.Arr(JsonRead.Obj(JsonRead.Obj(spec, "template"), "spec"), "containers"));
}
