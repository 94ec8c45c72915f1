using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>
/// Builds a container's environment as the kubelet does (<c>makeEnvironmentVariables</c>): <c>envFrom</c> first
/// (prefix, invalid keys skipped), then <c>env</c> in order — literals with <c>$(VAR)</c> expansion against the
/// variables defined so far, ConfigMap and Secret key refs, the downward API and resource fields.
/// </summary>
internal static partial class ContainerEnv
{
    public static List<KeyValuePair<string, string>> Build(V1Pod pod, V1Container container, EnvSources sources,
        string podIp, string hostIp, IDictionary<string, ResourceQuantity>? nodeAllocatable)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var vars = new Dictionary<string, string>();
        var order = new List<string>();
        void Set(string k, string v)
        {
            if (!vars.ContainsKey(k)) order.Add(k);
            vars[k] = v;
        }

        foreach (var from in container.EnvFrom ?? [])
        {
            var prefix = from.Prefix ?? "";
            IReadOnlyDictionary<string, string>? data;
            if (from.ConfigMapRef is { } cm)
            {
                data = Lookup(sources.ConfigMaps, cm.Name);
                if (data is null && cm.Optional != true) throw new ContainerConfigException($"configmap \"{cm.Name}\" not found");
            }
            else if (from.SecretRef is { } sr)
            {
                data = Lookup(sources.Secrets, sr.Name);
                if (data is null && sr.Optional != true) throw new ContainerConfigException($"secret \"{sr.Name}\" not found");
            }
            else continue;
            foreach (var (k, v) in (data ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var name = prefix + k;
                if (IsEnvVarName(name)) Set(name, v);
            }
        }

        foreach (var e in container.Env ?? [])
        {
            if (e.ValueFrom is null)
            {
                Set(e.Name, EnvExpansion.Expand(e.Value ?? "", k => vars.GetValueOrDefault(k)));
                continue;
            }
            var value = ValueFrom(pod, container, e, ns, sources, podIp, hostIp, nodeAllocatable);
            if (value is not null) Set(e.Name, value);
        }
        return order.Select(k => KeyValuePair.Create(k, vars[k])).ToList();
    }

    private static string? ValueFrom(V1Pod pod, V1Container container, V1EnvVar e, string ns, EnvSources sources,
        string podIp, string hostIp, IDictionary<string, ResourceQuantity>? nodeAllocatable)
    {
        var from = e.ValueFrom;
        if (from.ConfigMapKeyRef is { } cm)
        {
            var data = Lookup(sources.ConfigMaps, cm.Name);
            if (data is null) return cm.Optional == true ? null : throw new ContainerConfigException($"configmap \"{cm.Name}\" not found");
            if (data.TryGetValue(cm.Key, out var v)) return v;
            return cm.Optional == true ? null : throw new ContainerConfigException($"couldn't find key {cm.Key} in ConfigMap {ns}/{cm.Name}");
        }
        if (from.SecretKeyRef is { } sk)
        {
            var data = Lookup(sources.Secrets, sk.Name);
            if (data is null) return sk.Optional == true ? null : throw new ContainerConfigException($"secret \"{sk.Name}\" not found");
            if (data.TryGetValue(sk.Key, out var v)) return v;
            return sk.Optional == true ? null : throw new ContainerConfigException($"couldn't find key {sk.Key} in Secret {ns}/{sk.Name}");
        }
        if (from.FieldRef is { } field) return FieldValue(pod, field.FieldPath, podIp, hostIp);
        if (from.ResourceFieldRef is { } rf) return ResourceValue(pod, rf, container, nodeAllocatable);
        return null;
    }

    /// <summary>The downward API's field paths (kubelet's <c>podFieldSelectorRuntimeValue</c>).</summary>
    internal static string FieldValue(V1Pod pod, string path, string podIp, string hostIp)
    {
        var meta = pod.Metadata;
        switch (path)
        {
            case "metadata.name": return meta.Name;
            case "metadata.namespace": return meta.NamespaceProperty ?? "default";
            case "metadata.uid": return meta.Uid ?? "";
            case "metadata.labels": return FormatMap(meta.Labels);
            case "metadata.annotations": return FormatMap(meta.Annotations);
            case "spec.nodeName": return pod.Spec.NodeName ?? "";
            case "spec.serviceAccountName": return pod.Spec.ServiceAccountName ?? "";
            case "status.podIP": return podIp;
            case "status.podIPs": return podIp;
            case "status.hostIP": return hostIp;
            case "status.hostIPs": return hostIp;
        }
        var m = SubscriptPath().Match(path);
        if (m.Success)
        {
            var map = m.Groups[1].Value == "labels" ? meta.Labels : meta.Annotations;
            return map is not null && map.TryGetValue(m.Groups[2].Value, out var found) ? found : "";
        }
        throw new ContainerConfigException($"unsupported fieldPath: {path}");
    }

    /// <summary><c>limits.cpu</c> etc., rounded up in units of the divisor; a missing limit falls back to the node's allocatable.</summary>
    internal static string ResourceValue(V1Pod pod, V1ResourceFieldSelector rf, V1Container self, IDictionary<string, ResourceQuantity>? nodeAllocatable)
    {
        var container = rf.ContainerName is { Length: > 0 } name
            ? (pod.Spec.Containers ?? []).Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(c => c.Name == name) ?? self
            : self;
        var parts = rf.Resource.Split('.', 2);
        if (parts.Length != 2 || parts[0] is not ("limits" or "requests")) throw new ContainerConfigException($"unsupported container resource: {rf.Resource}");
        var table = parts[0] == "limits" ? container.Resources?.Limits : container.Resources?.Requests;
        ResourceQuantity? q = null;
        if (table?.TryGetValue(parts[1], out var v) == true) q = v;
        if (q is null && parts[0] == "limits" && nodeAllocatable?.TryGetValue(parts[1], out var a) == true) q = a;
        var value = q?.ToDecimal() ?? 0m;
        var divisor = rf.Divisor?.ToDecimal() ?? 1m;
        if (divisor == 0) divisor = 1m;
        return Math.Ceiling(value / divisor).ToString(CultureInfo.InvariantCulture);
    }

    private static IReadOnlyDictionary<string, string>? Lookup(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>?> table, string name) =>
        table.TryGetValue(name, out var d) ? d : null;

    /// <summary>The downward API's <c>key="value"</c> lines, sorted by key.</summary>
    private static string FormatMap(IDictionary<string, string>? map) =>
        map is null ? "" : string.Join("\n", map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=\"{kv.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\""));

    internal static bool IsEnvVarName(string name) => EnvVarName().IsMatch(name);

    [GeneratedRegex(@"^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvVarName();

    [GeneratedRegex(@"^metadata\.(labels|annotations)\['(.+)'\]$")]
    private static partial Regex SubscriptPath();
}
