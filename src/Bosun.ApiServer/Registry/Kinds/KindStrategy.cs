using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>
/// A strategy assembled from pure functions, for the kinds whose rules are only defaults, checks and immutable fields
/// (workloads, Secrets, PVCs, HPAs). Kinds with more behaviour (pods, services, namespaces) have their own class.
/// </summary>
internal sealed class KindStrategy : IResourceStrategy
{
    public Action<JsonObject>? Defaults { get; init; }
    public Action<JsonObject>? OnCreate { get; init; }
    public Func<JsonObject, IEnumerable<FieldError>>? Checks { get; init; }
    public Func<JsonObject, JsonObject, IEnumerable<FieldError>>? UpdateChecks { get; init; }

    public void Default(JsonObject obj) => Defaults?.Invoke(obj);

    public void PrepareForCreate(JsonObject obj) => OnCreate?.Invoke(obj);

    public IEnumerable<FieldError> Validate(JsonObject obj) => Checks?.Invoke(obj) ?? [];

    public IEnumerable<FieldError> ValidateUpdate(JsonObject obj, JsonObject old) => UpdateChecks?.Invoke(obj, old) ?? [];
}
