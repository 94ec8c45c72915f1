using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The ServiceAccount plugin for new pods: the pod runs as its named account (<c>default</c> when none is named),
/// which must exist, and — unless the pod or the account opts out with <c>automountServiceAccountToken: false</c> —
/// gets the projected <c>kube-api-access-&lt;5&gt;</c> volume (a bound token, the cluster CA from the
/// <c>kube-root-ca.crt</c> ConfigMap and the namespace) mounted read-only at
/// <c>/var/run/secrets/kubernetes.io/serviceaccount</c> in every container.
/// </summary>
/// <remarks>
/// Deviation: a missing <c>default</c> account is not an error (the service-account controller creates it a moment
/// after the namespace, and pods written before that would otherwise fail); such a pod gets no token volume.
/// </remarks>
internal sealed class ServiceAccountAdmission(IKeyValueStore storage, ResourceRegistration serviceAccounts) : IAdmissionPlugin
{
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string VolumePrefix = "kube-api-access-";
    public const string RootCaConfigMap = "kube-root-ca.crt";
    private const string MirrorAnnotation = "kubernetes.io/config.mirror";
    private const string NameChars = "bcdfghjklmnpqrstvwxz2456789";

    public async Task MutateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (!request.IsCreate || !request.Is("", "pods") || request.Subresource.Length > 0) return;
        var pod = request.Object;
        if (pod.Obj("metadata").Obj("annotations")?.ContainsKey(MirrorAnnotation) == true) return;
        var spec = pod.Ensure("spec");
        var name = spec.Str("serviceAccountName") is { Length: > 0 } n ? n : spec.Str("serviceAccount") is { Length: > 0 } legacy ? legacy : "default";
        spec["serviceAccountName"] = name;
        var kv = await storage.GetAsync(serviceAccounts.Key(request.Namespace, name), ct).ConfigureAwait(false);
        if (kv is null)
        {
            if (name == "default") return;
            throw ApiException.Forbidden("", "pods", request.Name,
                $"error looking up service account {request.Namespace}/{name}: serviceaccount \"{name}\" not found");
        }
        var account = Json.ParseObject(kv.Value.Span);
        if (ShouldMount(spec, account)) Mount(spec, VolumePrefix + RandomSuffix());
    }

    internal static bool ShouldMount(JsonObject spec, JsonObject account)
    {
        var automount = spec["automountServiceAccountToken"]?.GetValue<bool>() ?? account["automountServiceAccountToken"]?.GetValue<bool>() ?? true;
        if (!automount) return false;
        return !Containers(spec).Any(c => c["volumeMounts"] is JsonArray m && m.OfType<JsonObject>().Any(v => v.Str("mountPath") == MountPath));
    }

    internal static void Mount(JsonObject spec, string volumeName)
    {
        var volumes = spec["volumes"] as JsonArray ?? (JsonArray)(spec["volumes"] = new JsonArray());
        volumes.Add(Volume(volumeName));
        foreach (var container in Containers(spec))
        {
            var mounts = container["volumeMounts"] as JsonArray ?? (JsonArray)(container["volumeMounts"] = new JsonArray());
            mounts.Add(new JsonObject { ["name"] = volumeName, ["readOnly"] = true, ["mountPath"] = MountPath });
        }
    }

    private static JsonObject Volume(string name) => new()
    {
        ["name"] = name,
        ["projected"] = new JsonObject
        {
            ["sources"] = new JsonArray(
                new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = 3607, ["path"] = "token" } },
                new JsonObject
                {
                    ["configMap"] = new JsonObject
                    {
                        ["name"] = RootCaConfigMap,
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
            ["defaultMode"] = 420,
        },
    };

    private static IEnumerable<JsonObject> Containers(JsonObject spec)
    {
        foreach (var field in (string[])["initContainers", "containers"])
            if (spec[field] is JsonArray a) foreach (var c in a.OfType<JsonObject>()) yield return c;
    }

    private static string RandomSuffix() => string.Create(5, 0, (span, _) =>
    {
        for (var i = 0; i < span.Length; i++) span[i] = NameChars[RandomNumberGenerator.GetInt32(NameChars.Length)];
    });
}
