using System.Text.Json.Nodes;
using static Bosun.ApiServer.Registry.Defaulting.JsonDefaults;

namespace Bosun.ApiServer.Registry.Defaulting;

/// <summary>
/// Defaults of a pod spec wherever it appears (Pod, PodTemplate, workload templates), as core/v1 defaults.go sets them:
/// restart and DNS policy, scheduler, grace period, an empty security context, and per container the pull policy,
/// termination message, port protocols and probe timings. Pod-only rules live in <see cref="ApplyPod"/>.
/// </summary>
internal static class PodSpecDefaults
{
    /// <summary>Defaults for a Pod object: the spec rules plus what Kubernetes applies to Pods only (not templates).</summary>
    public static void ApplyPod(JsonObject pod)
    {
        var spec = pod.Ensure("spec");
        Apply(spec);
        // Requests copied from limits and service links happen in SetDefaults_Pod, so templates never show them.
        foreach (var c in Items(spec, "containers").Concat(Items(spec, "initContainers")))
            RequestsFromLimits(c);
        Pointer(spec, "enableServiceLinks", true);
    }

    /// <summary>Defaults for the pod template of a workload (<c>spec.template</c>), creating the template if absent.</summary>
    public static void ApplyTemplate(JsonObject? template)
    {
        if (template is null) return;
        // ObjectMeta is a non-pointer struct in Go, so a template always prints "creationTimestamp: null".
        var meta = template.Ensure("metadata");
        if (!meta.ContainsKey("creationTimestamp")) meta["creationTimestamp"] = null;
        Apply(template.Ensure("spec"));
    }

    public static void Apply(JsonObject spec)
    {
        String(spec, "dnsPolicy", "ClusterFirst");
        String(spec, "restartPolicy", "Always");
        Pointer(spec, "terminationGracePeriodSeconds", 30);
        String(spec, "schedulerName", "default-scheduler");
        if (spec["securityContext"] is not JsonObject) spec["securityContext"] = new JsonObject();
        var hostNetwork = spec["hostNetwork"] is JsonValue h && h.TryGetValue<bool>(out var b) && b;
        foreach (var c in Items(spec, "initContainers").Concat(Items(spec, "containers")))
            Container(c, hostNetwork);
        foreach (var c in Items(spec, "ephemeralContainers")) Container(c, false);
        foreach (var v in Items(spec, "volumes")) Volume(v);
    }

    private static void Container(JsonObject c, bool hostNetwork)
    {
        String(c, "imagePullPolicy", ImagePullPolicy.For(c.Str("image")));
        // ResourceRequirements is a non-pointer struct: Kubernetes always prints "resources: {}".
        if (c["resources"] is not JsonObject) c["resources"] = new JsonObject();
        String(c, "terminationMessagePath", "/dev/termination-log");
        String(c, "terminationMessagePolicy", "File");
        foreach (var p in Items(c, "ports"))
        {
            String(p, "protocol", "TCP");
            // On the host network the container port is the host port.
            if (hostNetwork && (p.Long("hostPort") ?? 0) == 0 && p.Long("containerPort") is { } port) p["hostPort"] = port;
        }
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
            if (c.Obj(probe) is { } o) Probe(o);
        if (c.Obj("lifecycle") is { } lifecycle)
            foreach (var hook in new[] { "postStart", "preStop" })
                if (lifecycle.Obj(hook).Obj("httpGet") is { } get) HttpGet(get);
        foreach (var e in Items(c, "env"))
            if (e.Obj("valueFrom").Obj("fieldRef") is { } fieldRef) String(fieldRef, "apiVersion", "v1");
    }

    private static void Probe(JsonObject probe)
    {
        NonZero(probe, "timeoutSeconds", 1);
        NonZero(probe, "periodSeconds", 10);
        NonZero(probe, "successThreshold", 1);
        NonZero(probe, "failureThreshold", 3);
        if (probe.Obj("httpGet") is { } get) HttpGet(get);
        if (probe.Obj("grpc") is { } grpc) Pointer(grpc, "service", "");
    }

    private static void HttpGet(JsonObject get)
    {
        String(get, "path", "/");
        String(get, "scheme", "HTTP");
    }

    private static void Volume(JsonObject v)
    {
        // A volume with no source is an emptyDir (SetDefaults_Volume).
        var sources = v.Where(p => p.Key != "name" && p.Value is not null).ToList();
        if (sources.Count == 0) v["emptyDir"] = new JsonObject();
        foreach (var source in new[] { "secret", "configMap", "projected", "downwardAPI" })
            if (v.Obj(source) is { } s) Pointer(s, "defaultMode", 420);
        if (v.Obj("hostPath") is { } hostPath) Pointer(hostPath, "type", "");
    }

    private static void RequestsFromLimits(JsonObject container)
    {
        if (container.Obj("resources").Obj("limits") is not { Count: > 0 } limits) return;
        var requests = container.Obj("resources")!.Ensure("requests");
        foreach (var (name, value) in limits)
            if (!requests.ContainsKey(name)) requests[name] = value?.DeepClone();
    }
}
