namespace Bosun.ApiServer.Protobuf;

/// <summary>How a protobuf field's value is read from the wire and written as JSON.</summary>
internal enum ProtoKind : byte
{
    String,
    Int32,
    Int64,
    Bool,
    Double,
    /// <summary>Protobuf <c>bytes</c>; base64 in JSON.</summary>
    Bytes,
    /// <summary>A nested message of the schema.</summary>
    Message,
    /// <summary><c>meta.v1.Time</c> {1: seconds, 2: nanos} → RFC 3339 with seconds.</summary>
    Time,
    /// <summary><c>meta.v1.MicroTime</c> {1: seconds, 2: nanos} → RFC 3339 with microseconds.</summary>
    MicroTime,
    /// <summary><c>meta.v1.Duration</c> {1: nanoseconds} → a Go duration string (<c>1h0m0s</c>).</summary>
    Duration,
    /// <summary><c>intstr.IntOrString</c> {1: type, 2: intVal, 3: strVal} → a number or a string.</summary>
    IntOrString,
    /// <summary><c>resource.Quantity</c> {1: string} → the string.</summary>
    Quantity,
    /// <summary><c>runtime.RawExtension</c> {1: raw} → the embedded JSON (or a nested <c>k8s\0</c> object).</summary>
    RawExtension,
    /// <summary><c>meta.v1.FieldsV1</c> {1: raw} → the embedded JSON.</summary>
    FieldsV1,
    /// <summary>A message wrapping <c>repeated string items = 1</c> (authentication/authorization ExtraValue) → a JSON array.</summary>
    StringList,
}
