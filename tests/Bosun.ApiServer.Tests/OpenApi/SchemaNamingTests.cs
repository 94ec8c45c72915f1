using System.Text;
using Bosun.ApiServer.OpenApi;
using k8s.Models;

namespace Bosun.ApiServer.Tests.OpenApi;

public sealed class SchemaNamingTests
{
    [Theory]
    [InlineData(typeof(V1Pod), "io.k8s.api.core.v1.Pod")]
    [InlineData(typeof(V1PodList), "io.k8s.api.core.v1.PodList")]
    [InlineData(typeof(V1Deployment), "io.k8s.api.apps.v1.Deployment")]
    [InlineData(typeof(V1DeploymentSpec), "io.k8s.api.apps.v1.DeploymentSpec")]
    [InlineData(typeof(V1PodTemplateSpec), "io.k8s.api.core.v1.PodTemplateSpec")]
    [InlineData(typeof(V1Container), "io.k8s.api.core.v1.Container")]
    [InlineData(typeof(V1ObjectMeta), "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")]
    [InlineData(typeof(V1LabelSelector), "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")]
    [InlineData(typeof(V1Scale), "io.k8s.api.autoscaling.v1.Scale")]
    [InlineData(typeof(V2MetricTarget), "io.k8s.api.autoscaling.v2.MetricTarget")]
    [InlineData(typeof(Corev1EventSeries), "io.k8s.api.core.v1.EventSeries")]
    [InlineData(typeof(Eventsv1Event), "io.k8s.api.events.v1.Event")]
    [InlineData(typeof(Storagev1TokenRequest), "io.k8s.api.storage.v1.TokenRequest")]
    [InlineData(typeof(V1ClusterRoleBinding), "io.k8s.api.rbac.v1.ClusterRoleBinding")]
    [InlineData(typeof(V1CustomResourceDefinition), "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition")]
    public void NameOf_KnownModel_IsUpstreamDefinitionName(Type type, string expected) =>
        Assert.Equal(expected, SchemaNaming.NameOf(type));

    [Fact]
    public void Parse_WrappedSummary_JoinsLinesAndKeepsParagraphs()
    {
        const string xml = """
            <doc><members>
              <member name="T:k8s.Models.V1Foo">
                <summary>
                First line
                continues here.

                Second paragraph <see cref="T:k8s.Models.V1Bar"/>.
                </summary>
              </member>
              <member name="M:k8s.Models.V1Foo.Validate"><summary>ignored</summary></member>
              <member name="P:k8s.Models.V1Foo.Name"><summary>The name.</summary></member>
            </members></doc>
            """;
        var docs = ModelDocumentation.Parse(new MemoryStream(Encoding.UTF8.GetBytes(xml)), "test");
        Assert.Equal(2, docs.Count);
        Assert.Equal("First line continues here.\n\nSecond paragraph V1Bar.", docs.ForMember("T:k8s.Models.V1Foo"));
        Assert.Equal("The name.", docs.ForMember("P:k8s.Models.V1Foo.Name"));
    }
}
