using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry.Defaulting;

/// <summary>
/// The ServiceAccount admission plugin's token volume (plugin/pkg/admission/serviceaccount): a projected volume
/// <c>kube-api-access-&lt;5 random&gt;</c> with the service-account token (3607 s), the cluster CA from the
/// <c>kube-root-ca.crt</c> ConfigMap and the namespace, mounted read-only at
/// <c>/var/run/secrets/kubernetes.io/serviceaccount</c> in every container that has nothing mounted there.
/// Skipped for mirror pods and when <c>spec.automountServiceAccountToken</c> is false. Not done: the service
/// account's own <c>automountServiceAccountToken</c> (the pure strategy does not read other objects).
/// </summary>
internal static class ServiceAccountTokenVolume
{
    public const string VolumePrefix = "kube-api-access-";
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
    private const string MirrorAnnotation = "kubernetes.io/config.mirror";
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";   // apimachinery's rand.String alphabet

    public static void Apply(JsonObject pod)
    {
        if (pod.Obj("metadata").Obj("annotations")?.ContainsKey(MirrorAnnotation) == true) return;
        var spec = pod.Ensure("spec");
        if (spec["automountServiceAccountToken"] is JsonValue v && v.TryGetValue<bool>(out var automount) && !automount) return;

        var volumes = spec.Arr("volumes");
        var existing = volumes?.OfType<JsonObject>().Select(o => o.Str("name")).FirstOrDefault(n => n?.StartsWith(VolumePrefix, StringComparison.Ordinal) == true);
        var name = existing ?? VolumePrefix + RandomSuffix();
        var needed = false;
        foreach (var list in new[] { "initContainers", "containers" })
            foreach (var container in spec.Arr(list)?.OfType<JsonObject>() ?? [])
                needed |= AddMount(container, name);
        if (existing is not null || !needed) return;
        volumes ??= (JsonArray)(spec["volumes"] = new JsonArray());
        volumes.Add(Volume(name));
    }

    private static bool AddMount(JsonObject container, string name)
    {
        var mounts = container.Arr("volumeMounts");
        if (mounts?.OfType<JsonObject>().Any(m => m.Str("mountPath") == MountPath) == true) return false;
        mounts ??= (JsonArray)(container["volumeMounts"] = new JsonArray());
        mounts.Add(new JsonObject { ["name"] = name, ["readOnly"] = true, ["mountPath"] = MountPath });
        return true;
    }

    private static JsonObject Volume(string name) => new()
    {
        ["name"] = name,
        ["projected"] = new JsonObject
        {
            ["defaultMode"] = 420,
            ["sources"] = new JsonArray(
                new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = 3607, ["path"] = "token" } },
                new JsonObject
                {
                    ["configMap"] = new JsonObject
                    {
                        ["name"] = "kube-root-ca.crt",
                        ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }),
                    },
                },
                new JsonObject
                {
                    ["downwardAPI"] = new JsonObject
                    {
                        ["items"] = new JsonArray(new JsonObject
                        {
                            ["path"] = "namespace",
                            ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" },
                        }),
                    },
                }),
        },
    };

    private static string RandomSuffix() => string.Create(5, 0, (span, _) =>
    {
        for (var i = 0; i < span.Length; i++) span[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
    });
}
