using Bosun.ApiServer.Http;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Tests.Http;

public sealed class DiscoveryTests
{
    [Theory]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", "v2")]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", "v2beta1")]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json", "legacy")]
    [InlineData("application/json, */*", "legacy")]
    [InlineData("", "legacy")]
    public void AcceptedDiscovery_NegotiatesExactly(string accept, string expected)
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.Headers.Accept = accept;

        Assert.Equal(expected, Discovery.AcceptedDiscovery(ctx.Request));
    }
}
