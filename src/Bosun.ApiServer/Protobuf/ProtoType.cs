namespace Bosun.ApiServer.Protobuf;

/// <summary>A value type of the schema: a scalar, a special message, or a schema message (<see cref="Message"/>).</summary>
internal sealed class ProtoType(ProtoKind kind, string? messageName = null)
{
    public ProtoKind Kind { get; } = kind;

    /// <summary>The schema message's name for <see cref="ProtoKind.Message"/>; resolved into <see cref="Message"/> after parsing.</summary>
    public string? MessageName { get; } = messageName;

    public ProtoMessage? Message { get; set; }

    /// <summary>Whether the value arrives length-delimited (wire type 2).</summary>
    public bool IsLengthDelimited => Kind is not (ProtoKind.Int32 or ProtoKind.Int64 or ProtoKind.Bool or ProtoKind.Double);
}
