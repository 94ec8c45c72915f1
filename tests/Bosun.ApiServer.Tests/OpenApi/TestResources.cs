using Bosun.ApiServer.OpenApi;
using k8s.Models;

namespace Bosun.ApiServer.Tests.OpenApi;

/// <summary>A small fixed resource list (Pod, Namespace, Deployment, HPA v2) standing in for the registry's.</summary>
internal static class TestResources
{
    public static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static OpenApiResource Pod => new(
        "", "v1", "Pod", "pods", true, typeof(V1Pod), typeof(V1PodList), AllVerbs,
        [
            new OpenApiSubresource("status", "", "v1", "Pod", typeof(V1Pod), ["get", "patch", "update"]),
            new OpenApiSubresource("log", "", "v1", "Pod", null, ["get"]),
            new OpenApiSubresource("exec", "", "v1", "PodExecOptions", null, ["create", "get"]),
        ]);

    public static OpenApiResource Namespace => new(
        "", "v1", "Namespace", "namespaces", false, typeof(V1Namespace), typeof(V1NamespaceList),
        ["create", "delete", "get", "list", "patch", "update", "watch"],
        [new OpenApiSubresource("status", "", "v1", "Namespace", typeof(V1Namespace), ["get", "patch", "update"])]);

    public static OpenApiResource Deployment => new(
        "apps", "v1", "Deployment", "deployments", true, typeof(V1Deployment), typeof(V1DeploymentList), AllVerbs,
        [
            new OpenApiSubresource("status", "apps", "v1", "Deployment", typeof(V1Deployment), ["get", "patch", "update"]),
            new OpenApiSubresource("scale", "autoscaling", "v1", "Scale", typeof(V1Scale), ["get", "patch", "update"]),
        ]);

    public static OpenApiResource HpaV2 => new(
        "autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true,
        typeof(V2HorizontalPodAutoscaler), typeof(V2HorizontalPodAutoscalerList), AllVerbs,
        [new OpenApiSubresource("status", "autoscaling", "v2", "HorizontalPodAutoscaler", typeof(V2HorizontalPodAutoscaler), ["get", "patch", "update"])]);

    public static OpenApiResource[] All => [Pod, Namespace, Deployment, HpaV2];

    /// <summary>One service per test class is enough: documents are immutable once built.</summary>
    public static readonly Lazy<OpenApiService> Service = new(() => new OpenApiService(All));
}
