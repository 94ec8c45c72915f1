using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// One write as admission plugins see it (admission.Attributes): CREATE or UPDATE of an object of a resource, or
/// DELETE (validating only; Object and OldObject are both the stored object), by a user (null for the API server's own
/// writes, which no plugin restricts). An eviction is a CREATE on pods/eviction whose Object is the Eviction.
/// </summary>
internal sealed record AdmissionRequest(
    string Operation,
    ResourceRegistration Registration,
    string? Namespace,
    JsonObject Object,
    JsonObject? OldObject,
    UserInfo? User,
    bool DryRun,
    string Subresource = "")
{
    public string Name => Object.Obj("metadata").Str("name") ?? Object.Obj("metadata").Str("generateName") ?? "";

    public bool Is(string group, string resource) => Registration.Group == group && Registration.Resource == resource;

    public bool IsCreate => Operation == "CREATE";
}

/// <summary>An admission plugin: a mutating step (before the strategy's create preparation and validation) and/or a validating one (after).</summary>
internal interface IAdmissionPlugin
{
    Task MutateAsync(AdmissionRequest request, CancellationToken ct) => Task.CompletedTask;

    Task ValidateAsync(AdmissionRequest request, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>The enabled plugins in kube-apiserver's order; every mutating step runs before any validating one.</summary>
internal sealed class AdmissionChain(params IReadOnlyList<IAdmissionPlugin> plugins)
{
    public async Task MutateAsync(AdmissionRequest request, CancellationToken ct)
    {
        foreach (var plugin in plugins) await plugin.MutateAsync(request, ct).ConfigureAwait(false);
    }

    public async Task ValidateAsync(AdmissionRequest request, CancellationToken ct)
    {
        foreach (var plugin in plugins) await plugin.ValidateAsync(request, ct).ConfigureAwait(false);
    }
}
