namespace Bosun.ApiServer.Protobuf;

/// <summary>One field of a schema message: number, JSON name (null when inline-embedded), value type and shape.</summary>
internal sealed class ProtoField
{
    public required int Number { get; init; }

    /// <summary>The JSON property name, or null for an inline-embedded struct whose fields are flattened into the parent.</summary>
    public required string? JsonName { get; init; }

    /// <summary>The value type; for a map, the value type of its entries.</summary>
    public required ProtoType Type { get; init; }

    /// <summary>The Go field is a pointer: a zero value on the wire was set on purpose and is kept.</summary>
    public bool Pointer { get; init; }

    /// <summary>A non-pointer number or bool without <c>omitempty</c>: Go's JSON always writes it, so a zero is a real value and is kept.</summary>
    public bool AlwaysWritten { get; init; }

    /// <summary>Whether a zero value that arrives on the wire is kept (pointer or always-written field) rather than dropped as unset.</summary>
    public bool KeepsZero => Pointer || AlwaysWritten;

    public bool Repeated { get; init; }

    /// <summary>A <c>map&lt;K,V&gt;</c>; <see cref="MapKey"/> is the key type and <see cref="Type"/> the value type.</summary>
    public ProtoType? MapKey { get; init; }

    public bool Inline => JsonName is null;
}
