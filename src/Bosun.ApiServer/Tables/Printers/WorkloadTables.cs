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
        var (names, images) = CellFormat.Containers(Json.Arr(Json.Obj(Json.Obj(spec, "template"), "spec"), "containers"));
        return
        [
            Json.Name(rc), DesiredReplicas(spec), Json.Long(rc["status"], "replicas"), Json.Long(rc["status"], "readyReplicas"),
            Json.Age(rc, now), names, images, CellFormat.Labels(Json.Obj(spec, "selector")),
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
            Json.Name(rs), DesiredReplicas(spec), Json.Long(rs["status"], "replicas"), Json.Long(rs["status"], "readyReplicas"),
            Json.Age(rs, now), names, images, CellFormat.LabelSelector(Json.Obj(spec, "selector")),
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
            Json.Name(d), CellFormat.Ratio(Json.Long(status, "readyReplicas"), DesiredReplicas(spec)),
            Json.Long(status, "updatedReplicas"), Json.Long(status, "availableReplicas"), Json.Age(d, now),
            // Deployments print the bare selector string, without the <none> placeholder other kinds use.
            names, images, CellFormat.SelectorString(Json.Obj(spec, "selector")),
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
        return [Json.Name(s), CellFormat.Ratio(Json.Long(s["status"], "readyReplicas"), DesiredReplicas(spec)), Json.Age(s, now), names, images];
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
        var podSpec = Json.Obj(Json.Obj(spec, "template"), "spec");
        var (names, images) = CellFormat.Containers(Json.Arr(podSpec, "containers"));
        return
        [
            Json.Name(ds), Json.Long(status, "desiredNumberScheduled"), Json.Long(status, "currentNumberScheduled"),
            Json.Long(status, "numberReady"), Json.Long(status, "updatedNumberScheduled"), Json.Long(status, "numberAvailable"),
            CellFormat.Labels(Json.Obj(podSpec, "nodeSelector")), Json.Age(ds, now),
            names, images, CellFormat.LabelSelector(Json.Obj(spec, "selector")),
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
        var template = Json.Obj(pt, "template");
        var (names, images) = CellFormat.Containers(Json.Arr(Json.Obj(template, "spec"), "containers"));
        return [Json.Name(pt), names, images, CellFormat.Labels(Json.Obj(Json.Obj(template, "metadata"), "labels"))];
    });

    public static readonly TableConvertor ControllerRevisions = new(
    [
        Col.Name(),
        Col.Str("Controller", "Controller of the object"),
        Col.Str("Revision", ColumnDocs.RevisionRevision),
        Col.Age(),
    ], (cr, now) => [Json.Name(cr), ControllerName(cr), Json.Long(cr, "revision"), Json.Age(cr, now)]);

    /// <summary>The controlling owner as <c>kind.group/name</c> lower-cased (<c>statefulset.apps/web</c>), or <c>&lt;none&gt;</c>.</summary>
    private static string ControllerName(JsonObject obj)
    {
        foreach (var owner in Json.Objects(Json.Arr(obj["metadata"], "ownerReferences")))
        {
            if (!Json.Bool(owner, "controller"))
            {
                continue;
            }
            string kind = Json.Str(owner, "kind");
            string apiVersion = Json.Str(owner, "apiVersion");
            int slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            string group = slash < 0 ? "" : apiVersion[..slash];
            string name = Json.Str(owner, "name");
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
    internal static long DesiredReplicas(JsonNode? spec) => Json.Long(spec, "replicas", 1);

    internal static (string Names, string Images) TemplateContainers(JsonNode? spec) =>
        CellFormat.Containers(Json.Arr(Json.Obj(Json.Obj(spec, "template"), "spec"), "containers"));
}
