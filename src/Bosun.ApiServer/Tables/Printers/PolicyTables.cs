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
        JsonRead.Name(pdb),
        JsonRead.Scalar(pdb["spec"], "minAvailable") ?? "N/A",
        JsonRead.Scalar(pdb["spec"], "maxUnavailable") ?? "N/A",
        JsonRead.Long(pdb["status"], "disruptionsAllowed"),
        JsonRead.Age(pdb, now),
    ]);

    public static readonly TableConvertor Leases = new(
    [
        Col.Name(),
        Col.Str("Holder", ColumnDocs.LeaseHolder),
        Col.Age(),
    ], (l, now) => [JsonRead.Name(l), JsonRead.Str(l["spec"], "holderIdentity"), JsonRead.Age(l, now)]);

    public static readonly TableConvertor PriorityClasses = new(
    [
        Col.Name(),
        Col.Int("Value", ColumnDocs.PriorityValue),
        Col.Bool("Global-Default", ColumnDocs.PriorityGlobalDefault),
        Col.Age(),
        Col.Str("PreemptionPolicy", ColumnDocs.PriorityPreemption),
    ], (pc, now) => [JsonRead.Name(pc), JsonRead.Long(pc, "value"), JsonRead.Bool(pc, "globalDefault"), JsonRead.Age(pc, now), JsonRead.StrOrNull(pc, "preemptionPolicy") ?? "PreemptLowerPriority"]);

    public static readonly TableConvertor RuntimeClasses = new(
    [
        Col.Name(),
        Col.Str("Handler", ""),
        Col.Age(),
    ], (rc, now) => [JsonRead.Name(rc), JsonRead.Str(rc, "handler"), JsonRead.Age(rc, now)]);

    public static readonly TableConvertor RoleBindings = Bindings(ColumnDocs.RoleBindingRoleRef, "roleBinding");

    public static readonly TableConvertor ClusterRoleBindings = Bindings(ColumnDocs.ClusterRoleBindingRoleRef, "clusterRoleBinding");

    public static readonly TableConvertor WebhookConfigurations = new(
    [
        Col.Name(),
        Col.Int("Webhooks", "Webhooks indicates the number of webhooks registered in this configuration"),
        Col.Age(),
    ], (w, now) => [JsonRead.Name(w), (long)JsonRead.Count(w, "webhooks"), JsonRead.Age(w, now)]);

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
        foreach (var s in JsonRead.Objects(JsonRead.Arr(binding, "subjects")))
        {
            switch (JsonRead.Str(s, "kind"))
            {
                case "User":
                    users.Add(JsonRead.Str(s, "name"));
                    break;
                case "Group":
                    groups.Add(JsonRead.Str(s, "name"));
                    break;
                case "ServiceAccount":
                    serviceAccounts.Add(JsonRead.Str(s, "namespace") + ":" + JsonRead.Str(s, "name"));
                    break;
            }
        }
        return
        [
            JsonRead.Name(binding),
            JsonRead.Str(roleRef, "kind") + "/" + JsonRead.Str(roleRef, "name"),
            JsonRead.Age(binding, now),
            string.Join(", ", users),
            string.Join(", ", groups),
            string.Join(", ", serviceAccounts),
        ];
    }
}
