using Bosun.ApiServer.Http;

namespace Bosun.ApiServer.Tests.Http;

public sealed class RequestInfoTests
{
    [Theory]
    [InlineData("/api/v1/pods", "", "v1", null, "pods", null, null)]
    [InlineData("/api/v1/namespaces/default/pods", "", "v1", "default", "pods", null, null)]
    [InlineData("/api/v1/namespaces/default/pods/web/status", "", "v1", "default", "pods", "web", "status")]
    [InlineData("/api/v1/namespaces/kube-system", "", "v1", null, "namespaces", "kube-system", null)]
    [InlineData("/api/v1/namespaces/x/finalize", "", "v1", null, "namespaces", "x", "finalize")]
    [InlineData("/apis/apps/v1/namespaces/default/deployments/web/scale", "apps", "v1", "default", "deployments", "web", "scale")]
    [InlineData("/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", "rbac.authorization.k8s.io", "v1", null, "clusterroles", "admin", null)]
    public void Parse_ResourcePath_SplitsIntoParts(string path, string group, string version, string? ns, string resource, string? name, string? sub)
    {
        Assert.Equal(new RequestInfo(group, version, ns, resource, name, sub), RequestInfo.Parse(path));
    }

    [Theory]
    [InlineData("/version")]
    [InlineData("/api")]
    [InlineData("/apis/apps")]
    [InlineData("/api/v1/namespaces/default/pods/a/b/c")]
    [InlineData("/api/v1//pods")]
    public void Parse_NonResourcePath_ReturnsNull(string path) => Assert.Null(RequestInfo.Parse(path));
}
