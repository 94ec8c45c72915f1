namespace Bosun.ApiServer.OpenApi;

/// <summary>How a CLR type found in the KubernetesClient models maps to JSON / OpenAPI.</summary>
internal enum ModelKind
{
    String,
    Boolean,
    Int32,
    Int64,
    Number,
    DateTime,
    Bytes,
    IntOrString,
    Quantity,
    FreeForm,
    Array,
    Map,
    Object,
}
