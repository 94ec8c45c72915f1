using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// Per-kind behaviour plugged into the one generic store, as kube-apiserver's RESTCreateStrategy/RESTUpdateStrategy.
/// Methods mutate the object they are given; the store has already filled the system metadata fields.
/// </summary>
internal interface IResourceStrategy
{
    /// <summary>Whether a create starts from an empty status (true for most kinds; a node agent registers its Node with status).</summary>
    bool ResetsStatusOnCreate => true;

    /// <summary>
    /// The kind's scheme defaults (pkg/apis/*/v1/defaults.go). Kubernetes applies them when it decodes any request body,
    /// so the store calls this on every create and every update (PUT and PATCH results alike), before the strategy hooks.
    /// </summary>
    void Default(JsonObject obj) { }

    /// <summary>Clears or sets fields on create (status reset, generated fields).</summary>
    void PrepareForCreate(JsonObject obj) { }

    /// <summary>Copies over what a main-resource update may not change (status when the kind has a status subresource).</summary>
    void PrepareForUpdate(JsonObject obj, JsonObject old) { }

    /// <summary>Kind-specific validation on create; metadata is validated by the store.</summary>
    IEnumerable<FieldError> Validate(JsonObject obj) => [];

    /// <summary>Kind-specific validation on update (immutable fields).</summary>
    IEnumerable<FieldError> ValidateUpdate(JsonObject obj, JsonObject old) => [];

    /// <summary>
    /// How long a delete should wait: null = delete now; a positive value = set deletionTimestamp and wait for the node.
    /// Only pods use graceful deletion.
    /// </summary>
    long? GracePeriodSeconds(JsonObject obj, long? requested) => null;

    /// <summary>Kind-specific finalization that keeps a deleted object around (a namespace's <c>spec.finalizers</c>).</summary>
    bool BlocksDeletion(JsonObject obj) => false;

    /// <summary>Refuses a delete before anything is read (NamespaceLifecycle's immortal namespaces).</summary>
    void ValidateDelete(string name) { }

    /// <summary>Marks an object whose deletion has begun (a namespace becomes Terminating).</summary>
    void PrepareForDelete(JsonObject obj) { }
}

/// <summary>The strategy of kinds with no special rules.</summary>
internal sealed class DefaultStrategy : IResourceStrategy
{
    public static readonly DefaultStrategy Instance = new();
}
