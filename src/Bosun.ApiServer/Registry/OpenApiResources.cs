using Bosun.ApiServer.OpenApi;

namespace Bosun.ApiServer.Registry;

/// <summary>Describes a registration to the OpenAPI generator.</summary>
internal static class OpenApiResources
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    public static OpenApiResource From(ResourceRegistration r)
    {
        var subs = new List<OpenApiSubresource>();
        if (r.HasStatus) subs.Add(new OpenApiSubresource("status", r.Group, r.Version, r.Kind, r.ModelType, SubresourceVerbs));
        if (r.Evictable) subs.Add(new OpenApiSubresource("eviction", "policy", "v1", "Eviction", typeof(k8s.Models.V1Eviction), ["create"]));
        if (r.HasScale) subs.Add(new OpenApiSubresource("scale", "autoscaling", "v1", "Scale", typeof(k8s.Models.V1Scale), SubresourceVerbs));
        return new OpenApiResource(r.Group, r.Version, r.Kind, r.Resource, r.Namespaced, r.ModelType, r.ListModelType, Verbs, subs);
    }
}
