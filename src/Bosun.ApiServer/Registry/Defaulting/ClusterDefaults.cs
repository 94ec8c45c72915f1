using System.Text.Json.Nodes;
using static Bosun.ApiServer.Registry.Defaulting.JsonDefaults;

namespace Bosun.ApiServer.Registry.Defaulting;

/// <summary>Defaults of the cluster-policy kinds: NetworkPolicy, RBAC bindings, StorageClass, PriorityClass, Node.</summary>
internal static class ClusterDefaults
{
    /// <summary>networking/v1: port protocols TCP; policyTypes Ingress, plus Egress when egress rules are present.</summary>
    public static void NetworkPolicy(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        foreach (var rule in Items(spec, "ingress").Concat(Items(spec, "egress")))
            foreach (var port in Items(rule, "ports"))
                String(port, "protocol", "TCP");
        if (spec.Arr("policyTypes") is not { Count: > 0 })
        {
            var types = new JsonArray("Ingress");
            if (spec.Arr("egress") is { Count: > 0 }) types.Add("Egress");
            spec["policyTypes"] = types;
        }
    }

    /// <summary>rbac/v1: User and Group subjects belong to rbac.authorization.k8s.io; ServiceAccounts to the core group.</summary>
    public static void RoleBinding(JsonObject obj)
    {
        foreach (var subject in Items(obj, "subjects"))
        {
            if (subject["apiGroup"] is not null) continue;
            subject["apiGroup"] = subject.Str("kind") is "User" or "Group" ? "rbac.authorization.k8s.io" : "";
        }
        if (obj.Obj("roleRef") is { } roleRef) String(roleRef, "apiGroup", "rbac.authorization.k8s.io");
    }

    public static void StorageClass(JsonObject obj)
    {
        String(obj, "reclaimPolicy", "Delete");
        String(obj, "volumeBindingMode", "Immediate");
    }

    public static void PriorityClass(JsonObject obj) => String(obj, "preemptionPolicy", "PreemptLowerPriority");

    /// <summary>core/v1 SetDefaults_NodeStatus: allocatable defaults to capacity.</summary>
    public static void Node(JsonObject obj)
    {
        if (obj.Obj("status") is { } status && status.Obj("capacity") is { Count: > 0 } capacity && status.Obj("allocatable") is not { Count: > 0 })
            status["allocatable"] = capacity.DeepClone();
    }
}
