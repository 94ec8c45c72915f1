using System.Reflection;

namespace Bosun.ApiServer.Protobuf;

/// <summary>
/// The Kubernetes protobuf messages Bosun decodes, parsed once from the embedded <c>KubernetesProtobuf.schema</c>
/// (format described at the top of that file).
/// </summary>
internal sealed class ProtoSchema
{
    public const string ResourceName = "Bosun.ApiServer.Protobuf.KubernetesProtobuf.schema";

    private static readonly Lazy<ProtoSchema> Embedded = new(LoadEmbedded);

    private readonly Dictionary<string, ProtoMessage> _messages;
    private readonly Dictionary<(string ApiVersion, string Kind), ProtoMessage?> _byGvk = [];
    private readonly Lock _gvkLock = new();

    private ProtoSchema(Dictionary<string, ProtoMessage> messages) => _messages = messages;

    /// <summary>The schema embedded in this assembly.</summary>
    public static ProtoSchema Instance => Embedded.Value;

    public IReadOnlyCollection<ProtoMessage> Messages => _messages.Values;

    public ProtoMessage? Message(string name) => _messages.GetValueOrDefault(name);

    /// <summary>
    /// The message for a top-level object: <c>apps/v1</c> + <c>Deployment</c> → <c>apps.v1.Deployment</c>. Kinds of
    /// meta.k8s.io (DeleteOptions), which every group version serves, fall back to <c>meta.v1.&lt;Kind&gt;</c>.
    /// </summary>
    public ProtoMessage? ForKind(string apiVersion, string kind)
    {
        lock (_gvkLock)
        {
            if (_byGvk.TryGetValue((apiVersion, kind), out var cached)) return cached;
            var message = Message($"{PackageOf(apiVersion)}.{kind}") ?? Message($"meta.v1.{kind}");
            if (_byGvk.Count < 1024) _byGvk[(apiVersion, kind)] = message;
            return message;
        }
    }

    /// <summary>The schema package of an API version: the group's first DNS label ("core" for the legacy group) and the version.</summary>
    public static string PackageOf(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/');
        if (slash < 0) return "core." + apiVersion;
        var group = apiVersion[..slash];
        var dot = group.IndexOf('.');
        return (dot < 0 ? group : group[..dot]) + "." + apiVersion[(slash + 1)..];
    }

    private static ProtoSchema LoadEmbedded()
    {
        using var stream = typeof(ProtoSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    /// <summary>Parses the schema text; every message a field names must be defined.</summary>
    public static ProtoSchema Parse(string text)
    {
        var fieldsByMessage = new List<(string Name, List<ProtoField> Fields)>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts[0] == "message" && parts.Length == 2)
            {
                fieldsByMessage.Add((parts[1], []));
                continue;
            }
            if (parts.Length != 3 || !int.TryParse(parts[0], out var number) || number <= 0 || fieldsByMessage.Count == 0)
                throw new FormatException($"protobuf schema line {lineNo}: cannot parse '{line}'");
            fieldsByMessage[^1].Fields.Add(ParseField(number, parts[1], parts[2], lineNo));
        }

        var messages = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        foreach (var (name, fields) in fieldsByMessage)
            if (!messages.TryAdd(name, new ProtoMessage(name, fields)))
                throw new FormatException($"protobuf schema: message {name} is defined twice");
        foreach (var message in messages.Values)
            foreach (var field in message.Fields)
                if (field.Type.Kind == ProtoKind.Message)
                    field.Type.Message = messages.GetValueOrDefault(field.Type.MessageName!)
                        ?? throw new FormatException($"protobuf schema: {message.Name}.{field.Number} names unknown message {field.Type.MessageName}");
        return new ProtoSchema(messages);
    }

    private static ProtoField ParseField(int number, string json, string type, int lineNo)
    {
        var pointer = type.StartsWith('*');
        var always = type.StartsWith('!');
        if (pointer || always) type = type[1..];
        var repeated = type.StartsWith("[]", StringComparison.Ordinal);
        if (repeated) type = type[2..];
        ProtoType? key = null;
        if (type.StartsWith('{'))
        {
            var close = type.IndexOf('}');
            if (close < 0) throw new FormatException($"protobuf schema line {lineNo}: bad map type");
            key = ParseType(type[1..close]);
            type = type[(close + 1)..];
        }
        return new ProtoField
        {
            Number = number,
            JsonName = json == "~" ? null : json,
            Type = ParseType(type),
            Pointer = pointer,
            AlwaysWritten = always,
            Repeated = repeated,
            MapKey = key,
        };
    }

    private static ProtoType ParseType(string type) => type switch
    {
        "string" => new(ProtoKind.String),
        "int32" => new(ProtoKind.Int32),
        "int64" => new(ProtoKind.Int64),
        "bool" => new(ProtoKind.Bool),
        "double" => new(ProtoKind.Double),
        "bytes" => new(ProtoKind.Bytes),
        "Time" => new(ProtoKind.Time),
        "MicroTime" => new(ProtoKind.MicroTime),
        "Duration" => new(ProtoKind.Duration),
        "IntOrString" => new(ProtoKind.IntOrString),
        "Quantity" => new(ProtoKind.Quantity),
        "RawExtension" => new(ProtoKind.RawExtension),
        "FieldsV1" => new(ProtoKind.FieldsV1),
        "StringList" => new(ProtoKind.StringList),
        _ => new(ProtoKind.Message, type),
    };
}
