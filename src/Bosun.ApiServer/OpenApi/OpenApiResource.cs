namespace Bosun.ApiServer.OpenApi;

/// <summary>
/// One served resource as the OpenAPI generator sees it: plain data handed over by the registry,
/// from which paths, operations and the reachable model schemas are generated.
/// </summary>
/// <param name="Group">API group; empty for the core group.</param>
/// <param name="Version">API version, e.g. <c>v1</c>.</param>
/// <param name="Kind">Kind of the objects, e.g. <c>Pod</c>.</param>
/// <param name="Resource">Plural resource name used in URLs, e.g. <c>pods</c>.</param>
/// <param name="Namespaced">Whether the URLs carry <c>namespaces/{namespace}</c>.</param>
/// <param name="ModelType">KubernetesClient model of one object, e.g. <c>V1Pod</c>.</param>
/// <param name="ListModelType">KubernetesClient model of the list, e.g. <c>V1PodList</c>.</param>
/// <param name="Verbs">Kubernetes verbs (get, list, watch, create, update, patch, delete, deletecollection).</param>
/// <param name="Subresources">Subresources such as status, scale, log or exec.</param>
internal sealed record OpenApiResource(
    string Group,
    string Version,
    string Kind,
    string Resource,
    bool Namespaced,
    Type ModelType,
    Type ListModelType,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<OpenApiSubresource> Subresources);
