using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>Cluster-policy kinds: PodDisruptionBudgets, Leases, PriorityClasses, RuntimeClasses, (Cluster)RoleBindings, webhook configurations.</summary>
internal static class PolicyTables
{
    public static readonly TableConvertor PodDisruptionBudgets = new(
    [
        Col.Name(),
        Col.Str("Min Available", "The minimum number of pods that must be available."),
        Col.Str("Max Unavailable", "The maximum number of pods that may be unavailable."),
        Col.Int("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time."),
        Col.Age(),
    ], (pdb, now) =>
    [
        Json.Name(pdb),
        Json.Scalar(pdb["spec"], "minAvailable") ?? "N/A",
        Json.Scalar(pdb["spec"], "maxUnavailable") ?? "N/A",
        Json.Long(pdb["status"], "disruptionsAllowed"),
        Json.Age(pdb, now),
    ]);

    public static readonly TableConvertor Leases = new(
    [
        Col.Name(),
        Col.Str("Holder", ColumnDocs.LeaseHolder),
        Col.Age(),
    ], (l, now) => [Json.Name(l), Json.Str(l["spec"], "holderIdentity"), Json.Age(l, now)]);

    public static readonly TableConvertor PriorityClasses = new(
    [
        Col.Name(),
        Col.Int("Value", ColumnDocs.PriorityValue),
        Col.Bool("Global-Default", ColumnDocs.PriorityGlobalDefault),
        Col.Age(),
        Col.Str("PreemptionPolicy", ColumnDocs.PriorityPreemption),
    ], (pc, now) => [Json.Name(pc), Json.Long(pc, "value"), Json.Bool(pc, "globalDefault"), Json.Age(pc, now), Json.StrOrNull(pc, "preemptionPolicy") ?? "PreemptLowerPriority"]);

    public static readonly TableConvertor RuntimeClasses = new(
    [
        Col.Name(),
        Col.Str("Handler", ""),
        Col.Age(),
    ], (rc, now) => [Json.Name(rc), Json.Str(rc, "handler"), Json.Age(rc, now)]);

    public static readonly TableConvertor RoleBindings = Bindings(ColumnDocs.RoleBindingRoleRef, "roleBinding");

    public static readonly TableConvertor ClusterRoleBindings = Bindings(ColumnDocs.ClusterRoleBindingRoleRef, "clusterRoleBinding");

    public static readonly TableConvertor WebhookConfigurations = new(
    [
        Col.Name(),
        Col.Int("Webhooks", "Webhooks indicates the number of webhooks registered in this configuration"),
        Col.Age(),
    ], (w, now) => [Json.Name(w), (long)Json.Count(w, "webhooks"), Json.Age(w, now)]);

    private static TableConvertor Bindings(string roleRefDoc, string noun) => new(
    [
        Col.Name(),
        Col.Str("Role", roleRefDoc),
        Col.Age(),
        Col.Str("Users", "Users in the " + noun, 1),
        Col.Str("Groups", "Groups in the " + noun, 1),
        Col.Str("ServiceAccounts", "ServiceAccounts in the " + noun, 1),
    ], BindingCells);

    private static object?[] BindingCells(JsonObject binding, DateTimeOffset now)
    {
        var roleRef = binding["roleRef"];
        var users = new List<string>();
        var groups = new List<string>();
        var serviceAccounts = new List<string>();
        foreach (var s in Json.Objects(Json.Arr(binding, "subjects")))
        {
            switch (Json.Str(s, "kind"))
            {
                case "User":
                    users.Add(Json.Str(s, "name"));
                    break;
                case "Group":
                    groups.Add(Json.Str(s, "name"));
                    break;
                case "ServiceAccount":
                    serviceAccounts.Add(Json.Str(s, "namespace") + ":" + Json.Str(s, "name"));
                    break;
            }
        }
        return
        [
            Json.Name(binding),
            Json.Str(roleRef, "kind") + "/" + Json.Str(roleRef, "name"),
            Json.Age(binding, now),
            string.Join(", ", users),
            string.Join(", ", groups),
            string.Join(", ", serviceAccounts),
        ];
    }
}
