namespace Bosun.ApiServer.Patch;

/// <summary>
/// One <c>metadata.managedFields</c> entry: who (manager, operation, API version, subresource) owns which fields.
/// Appliers are identified without the API version, updaters with it, as kube's BuildManagerIdentifier does.
/// </summary>
internal sealed class ManagedEntry
{
    public required string Manager { get; init; }
    public required string Operation { get; init; }
    public string? ApiVersion { get; set; }
    public string? Time { get; set; }
    public string? Subresource { get; init; }
    public FieldSet Fields { get; set; } = new();

    public bool IsApply => Operation == "Apply";

    public bool SameIdentity(string manager, string operation, string? apiVersion, string? subresource) =>
        Manager == manager && Operation == operation && (Subresource ?? "") == (subresource ?? "")
        && (operation == "Apply" || ApiVersion == apiVersion);

    /// <summary>How conflicts name the manager: quoted, plus "using &lt;apiVersion&gt;" for updaters (printManager).</summary>
    public string Display => IsApply ? $"\"{Manager}\"" : $"\"{Manager}\" using {ApiVersion}";
}
