using System.Text.Json.Nodes;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// A mutating admission step that needs to read other objects (kube-apiserver's admission plugins backed by
/// informers), run on create after the scheme defaults and before validation. Optional, like the other capabilities.
/// </summary>
internal interface IAdmittingStrategy
{
    Task AdmitCreateAsync(JsonObject obj, IKeyValueStore storage, CancellationToken ct);
}
