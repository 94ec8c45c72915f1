using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// One <c>metadata.managedFields</c> entry: who (manager, operation, API version, subresource) owns which fields.
/// Appliers are identified without the API version, updaters with it, as kube's BuildManagerIdentifier does.
/// Entries read from an object keep their JSON and parse their field set only when needed, because every write
/// reads all entries but usually changes at most one.
/// </summary>
internal sealed class ManagedEntry
{
    private FieldSet? fields;
    private string? apiVersion;
    private string? time;

    public required string Manager { get; init; }
    public required string Operation { get; init; }
    public string? Subresource { get; init; }

    /// <summary>The entry as stored, when it was read from an object.</summary>
    public JsonObject? Source { get; init; }

    /// <summary>Whether anything changed since the entry was read (unchanged ones are written back as they were).</summary>
    public bool Dirty { get; private set; }

    public string? ApiVersion
    {
        get => apiVersion;
        set { Dirty |= value != apiVersion; apiVersion = value; }
    }

    public string? Time
    {
        get => time;
        set { Dirty |= value != time; time = value; }
    }

    public FieldSet Fields
    {
        get => fields ??= FieldSet.FromJson(Source?["fieldsV1"] as JsonObject);
        set { fields = value; Dirty = true; }
    }

    /// <summary>Sets the read values without marking the entry changed.</summary>
    public ManagedEntry Loaded(string? version, string? at)
    {
        apiVersion = version;
        time = at;
        return this;
    }

    /// <summary>Whether the entry owns any member of <paramref name="paths"/>; answered from the JSON when not parsed yet.</summary>
    public bool Owns(FieldSet paths) =>
        fields is not null ? !fields.Intersect(paths).IsEmpty : FieldSet.Owns(Source?["fieldsV1"] as JsonObject, paths);

    public bool IsApply => Operation == "Apply";

    public bool SameIdentity(string manager, string operation, string? version, string? subresource) =>
        Manager == manager && Operation == operation && (Subresource ?? "") == (subresource ?? "")
        && (operation == "Apply" || ApiVersion == version);

    /// <summary>How conflicts name the manager: quoted, plus "using &lt;apiVersion&gt;" for updaters (printManager).</summary>
    public string Display => IsApply ? $"\"{Manager}\"" : $"\"{Manager}\" using {ApiVersion}";
}
