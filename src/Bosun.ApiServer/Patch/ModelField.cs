namespace Bosun.ApiServer.Patch;

/// <summary>One JSON field of a model object: its value schema (the item schema for lists) and its patch facts.</summary>
internal sealed class ModelField(string name, bool isList, Type? valueType, ListFacts? facts)
{
    private ModelSchema? schema;
    private bool resolved;

    public string Name { get; } = name;

    public bool IsList { get; } = isList;

    /// <summary>patchStrategy/merge key facts; null = replace (atomic).</summary>
    public ListFacts? Facts { get; } = facts;

    /// <summary>Schema of the value, or of each item for lists; resolved lazily because model graphs are recursive.</summary>
    public ModelSchema? Schema
    {
        get
        {
            if (!resolved)
            {
                schema = ModelSchema.Of(valueType);
                resolved = true;
            }
            return schema;
        }
    }

    /// <summary>A list merged by a key, item by item.</summary>
    public bool IsMergeList => IsList && Facts is { Merge: true };
}
