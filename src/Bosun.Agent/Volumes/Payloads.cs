using System.Globalization;
using System.Text;
using k8s.Models;

namespace Bosun.Agent.Volumes;

/// <summary>
/// The files of configMap, secret, downwardAPI and projected volumes, computed from the objects (pure). Missing
/// objects and keys fail with the kubelet's messages unless the source is optional; modes default to 0644.
/// </summary>
internal static class Payloads
{
    public const int DefaultMode = 0b110_100_100;   // 0644

    public static Dictionary<string, FileProjection> ConfigMap(V1ConfigMap? cm, string name, IList<V1KeyToPath>? items,
        bool optional, int? defaultMode)
    {
        if (cm is null)
        {
            if (optional) return [];
            throw new VolumeSetupException($"configmap \"{name}\" not found");
        }
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (k, v) in cm.Data ?? new Dictionary<string, string>()) data[k] = Encoding.UTF8.GetBytes(v);
        foreach (var (k, v) in cm.BinaryData ?? new Dictionary<string, byte[]>()) data[k] = v;
        return FromKeys(data, items, optional, defaultMode, "configmap references non-existent config key");
    }

    public static Dictionary<string, FileProjection> Secret(V1Secret? secret, string name, IList<V1KeyToPath>? items,
        bool optional, int? defaultMode)
    {
        if (secret is null)
        {
            if (optional) return [];
            throw new VolumeSetupException($"secret \"{name}\" not found");
        }
        var data = new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
        // stringData is folded into data by the API server; a client-side object may still carry it.
        foreach (var (k, v) in secret.StringData ?? new Dictionary<string, string>()) data[k] = Encoding.UTF8.GetBytes(v);
        return FromKeys(data, items, optional, defaultMode, "references non-existent secret key");
    }

    /// <summary>Every key as a file of its own name, or only <paramref name="items"/> at their paths (kubelet MakePayload).</summary>
    private static Dictionary<string, FileProjection> FromKeys(Dictionary<string, byte[]> data, IList<V1KeyToPath>? items,
        bool optional, int? defaultMode, string missingKey)
    {
        var mode = (UnixFileMode)(defaultMode ?? DefaultMode);
        var files = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        if (items is not { Count: > 0 })
        {
            foreach (var (k, v) in data) files[k] = new FileProjection(v, mode);
            return files;
        }
        foreach (var item in items)
        {
            if (!data.TryGetValue(item.Key, out var bytes))
            {
                if (optional) continue;
                throw new VolumeSetupException($"{missingKey}: {item.Key}");
            }
            files[item.Path] = new FileProjection(bytes, item.Mode is { } m ? (UnixFileMode)m : mode);
        }
        return files;
    }

    public static Dictionary<string, FileProjection> DownwardApi(V1Pod pod, IList<V1DownwardAPIVolumeFile>? items, int? defaultMode)
    {
        var mode = (UnixFileMode)(defaultMode ?? DefaultMode);
        var files = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            var value = item.FieldRef is { } f ? FieldValue(pod, f.FieldPath)
                : item.ResourceFieldRef is { } r ? ResourceValue(pod, r)
                : throw new VolumeSetupException($"downwardAPI item \"{item.Path}\" has neither fieldRef nor resourceFieldRef");
            files[item.Path] = new FileProjection(Encoding.UTF8.GetBytes(value), item.Mode is { } m ? (UnixFileMode)m : mode);
        }
        return files;
    }

    /// <summary>The value of a downward API field path (kubelet ExtractFieldPathAsString).</summary>
    public static string FieldValue(V1Pod pod, string path)
    {
        var meta = pod.Metadata;
        if (Subscript(path, "metadata.labels") is { } label) return meta.Labels?.TryGetValue(label, out var l) == true ? l : "";
        if (Subscript(path, "metadata.annotations") is { } ann) return meta.Annotations?.TryGetValue(ann, out var a) == true ? a : "";
        return path switch
        {
            "metadata.name" => meta.Name ?? "",
            "metadata.namespace" => meta.NamespaceProperty ?? "",
            "metadata.uid" => meta.Uid ?? "",
            "metadata.labels" => FormatMap(meta.Labels),
            "metadata.annotations" => FormatMap(meta.Annotations),
            "spec.nodeName" => pod.Spec.NodeName ?? "",
            "spec.serviceAccountName" => pod.Spec.ServiceAccountName ?? "",
            "status.podIP" => pod.Status?.PodIP ?? "",
            "status.hostIP" => pod.Status?.HostIP ?? "",
            _ => throw new VolumeSetupException($"unsupported fieldPath: {path}"),
        };
    }

    private static string? Subscript(string path, string prefix) =>
        path.StartsWith(prefix + "['", StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal)
            ? path[(prefix.Length + 2)..^2]
            : null;

    /// <summary><c>key="value"</c> lines sorted by key, values quoted as Go's %q does.</summary>
    private static string FormatMap(IDictionary<string, string>? map) =>
        string.Join("\n", (map ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}={GoQuote(kv.Value)}"));

    private static string GoQuote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ when c < 0x20 => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A container's request or limit divided by the divisor, rounded up (kubelet ExtractContainerResourceValue).</summary>
    public static string ResourceValue(V1Pod pod, V1ResourceFieldSelector selector)
    {
        var container = pod.Spec.Containers.FirstOrDefault(c => c.Name == selector.ContainerName)
            ?? throw new VolumeSetupException($"container \"{selector.ContainerName}\" not found in pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}");
        var (kind, resource) = selector.Resource.Split('.', 2) is [var k, var r] ? (k, r)
            : throw new VolumeSetupException($"unsupported container resource: {selector.Resource}");
        var source = kind == "limits" ? container.Resources?.Limits : kind == "requests" ? container.Resources?.Requests : null;
        if (kind is not ("limits" or "requests")) throw new VolumeSetupException($"unsupported container resource: {selector.Resource}");
        var divisor = selector.Divisor is { } d ? (decimal)d.ToDecimal() : 1m;
        if (divisor == 0) divisor = 1m;
        decimal? value = source?.TryGetValue(resource, out var q) == true ? q.ToDecimal() : null;
        // Unset limits fall back to the node's allocatable upstream; Bosun's pods see the request or 0 then.
        value ??= kind == "limits" && container.Resources?.Requests?.TryGetValue(resource, out var req) == true ? req.ToDecimal() : 0m;
        return ((long)Math.Ceiling(value.Value / divisor)).ToString(CultureInfo.InvariantCulture);
    }
}
