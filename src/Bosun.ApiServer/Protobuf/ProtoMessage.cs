namespace Bosun.ApiServer.Protobuf;

/// <summary>A schema message: its fields, looked up by field number.</summary>
internal sealed class ProtoMessage(string name, IReadOnlyList<ProtoField> fields)
{
    private readonly ProtoField?[] _byNumber = Index(fields);

    /// <summary>The qualified name, <c>apps.v1.Deployment</c>.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<ProtoField> Fields { get; } = fields;

    /// <summary>The field with this number, or null when the schema does not know it (skipped for forward compatibility).</summary>
    public ProtoField? Field(ulong number) => number < (ulong)_byNumber.Length ? _byNumber[number] : null;

    private static ProtoField?[] Index(IReadOnlyList<ProtoField> fields)
    {
        var max = 0;
        foreach (var f in fields) max = Math.Max(max, f.Number);
        var index = new ProtoField?[max + 1];
        foreach (var f in fields) index[f.Number] = f;
        return index;
    }

    public override string ToString() => Name;
}
