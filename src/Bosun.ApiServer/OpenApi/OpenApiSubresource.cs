namespace Bosun.ApiServer.OpenApi;

/// <summary>
/// A subresource of an <see cref="OpenApiResource"/> (<c>status</c>, <c>scale</c>, <c>log</c>, <c>exec</c>, …).
/// Group/Version/Kind describe the body it exchanges, which differs from the parent for e.g. <c>scale</c> (autoscaling/v1 Scale).
/// </summary>
/// <param name="Name">Path segment after the object name, e.g. <c>status</c>.</param>
/// <param name="Group">Group of the exchanged kind.</param>
/// <param name="Version">Version of the exchanged kind.</param>
/// <param name="Kind">Exchanged kind, e.g. <c>Scale</c>; the parent kind for <c>status</c>.</param>
/// <param name="ModelType">Model of the body, or null for streaming/connect subresources (log, exec) that exchange no model.</param>
/// <param name="Verbs">Kubernetes verbs (get, update, patch, create, delete).</param>
internal sealed record OpenApiSubresource(
    string Name,
    string Group,
    string Version,
    string Kind,
    Type? ModelType,
    IReadOnlyList<string> Verbs);
