using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry.Checks;

/// <summary>
/// Pod spec validation wherever a pod spec appears (core/validation ValidatePodSpec, the parts that matter to kubectl
/// users): containers and their names, images, ports and enums, with Kubernetes' field paths and wording.
/// Enum lists are in the order Kubernetes prints them (sorted sets, except restartPolicy's fixed list).
/// </summary>
internal static class PodSpecChecks
{
    private static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] MessagePolicies = ["FallbackToLogsOnError", "File"];

    public static IEnumerable<FieldError> Validate(JsonObject? spec, string path)
    {
        spec ??= new JsonObject();
        var names = new HashSet<string>();
        foreach (var e in Containers(spec, path + ".initContainers", names, required: false)) yield return e;
        foreach (var e in Containers(spec, path + ".containers", names, required: true)) yield return e;

        var restart = spec.Str("restartPolicy") ?? "";
        if (restart.Length == 0) yield return FieldError.Required(path + ".restartPolicy");
        else if (!RestartPolicies.Contains(restart)) yield return FieldError.NotSupported(path + ".restartPolicy", restart, RestartPolicies);
        var dns = spec.Str("dnsPolicy") ?? "";
        if (dns.Length == 0) yield return FieldError.Required(path + ".dnsPolicy");
        else if (!DnsPolicies.Contains(dns)) yield return FieldError.NotSupported(path + ".dnsPolicy", dns, DnsPolicies);
        if (spec.Long("activeDeadlineSeconds") is { } deadline && (deadline < 1 || deadline > int.MaxValue))
            yield return FieldError.Invalid(path + ".activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive");
        if (spec.Long("terminationGracePeriodSeconds") is < 0 and var grace)
            yield return FieldError.Invalid(path + ".terminationGracePeriodSeconds", grace, "must be greater than or equal to 0");
    }

    private static IEnumerable<FieldError> Containers(JsonObject spec, string path, HashSet<string> names, bool required)
    {
        var containers = spec.Arr(path[(path.LastIndexOf('.') + 1)..]);
        if (containers is not { Count: > 0 })
        {
            if (required) yield return FieldError.Required(path);
            yield break;
        }
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i] as JsonObject ?? new JsonObject();
            var at = $"{path}[{i}]";
            var name = c.Str("name") ?? "";
            if (name.Length == 0) yield return FieldError.Required(at + ".name");
            else
            {
                foreach (var m in Bosun.Api.Validation.IsDns1123Label(name)) yield return FieldError.Invalid(at + ".name", name, m);
                if (!names.Add(name)) yield return FieldError.Duplicate(at + ".name", name);
            }
            if (string.IsNullOrEmpty(c.Str("image"))) yield return FieldError.Required(at + ".image");
            var pull = c.Str("imagePullPolicy") ?? "";
            if (pull.Length == 0) yield return FieldError.Required(at + ".imagePullPolicy");
            else if (!PullPolicies.Contains(pull)) yield return FieldError.NotSupported(at + ".imagePullPolicy", pull, PullPolicies);
            var message = c.Str("terminationMessagePolicy") ?? "";
            if (message.Length == 0) yield return FieldError.Required(at + ".terminationMessagePolicy");
            else if (!MessagePolicies.Contains(message)) yield return FieldError.NotSupported(at + ".terminationMessagePolicy", message, MessagePolicies);
            var ports = c.Arr("ports")?.OfType<JsonObject>().ToList() ?? [];
            for (var j = 0; j < ports.Count; j++)
            {
                var portPath = $"{at}.ports[{j}]";
                foreach (var e in PortNumber(ports[j], "containerPort", portPath, required: true)) yield return e;
                if ((ports[j].Long("hostPort") ?? 0) != 0)
                    foreach (var e in PortNumber(ports[j], "hostPort", portPath, required: false)) yield return e;
                foreach (var e in Protocol(ports[j], portPath)) yield return e;
            }
        }
    }

    /// <summary>A port number in 1..65535; zero is "Required value" when the field is required.</summary>
    public static IEnumerable<FieldError> PortNumber(JsonObject port, string field, string path, bool required)
    {
        var n = port.Long(field) ?? 0;
        if (n == 0)
        {
            if (required) yield return FieldError.Required($"{path}.{field}");
            yield break;
        }
        if (n < 1 || n > 65535) yield return FieldError.Invalid($"{path}.{field}", n, "must be between 1 and 65535, inclusive");
    }

    public static IEnumerable<FieldError> Protocol(JsonObject port, string path)
    {
        var protocol = port.Str("protocol") ?? "";
        if (protocol.Length == 0) yield return FieldError.Required(path + ".protocol");
        else if (!Protocols.Contains(protocol)) yield return FieldError.NotSupported(path + ".protocol", protocol, Protocols);
    }
}
