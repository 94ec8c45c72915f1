using System.Text.RegularExpressions;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary><c>kubectl version</c>, <c>api-versions</c>, <c>api-resources</c> and <c>explain</c>: discovery and OpenAPI.</summary>
[Trait("Category", "E2E")]
public sealed class DiscoveryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Version_AgainstServer_ReportsServerVersion132()
    {
        var result = (await fixture.Kubectl.RunAsync("version")).Ok();

        Assert.Matches(new Regex(@"^Client Version: v1\.32\.", RegexOptions.Multiline), result.Stdout);
        Assert.Matches(new Regex(@"^Server Version: v1\.32\.\d+", RegexOptions.Multiline), result.Stdout);
        Assert.DoesNotContain("WARNING", result.Stderr);
    }

    [Fact]
    public async Task ApiVersions_Always_ListsCoreAndGroupVersions()
    {
        var result = (await fixture.Kubectl.RunAsync("api-versions")).Ok();

        foreach (var version in new[] { "v1", "apps/v1", "autoscaling/v1", "autoscaling/v2", "batch/v1", "rbac.authorization.k8s.io/v1" })
            Assert.Contains(version, result.Lines);
        Assert.Equal(result.Lines.Order(StringComparer.Ordinal), result.Lines);
    }

    [Fact]
    public async Task ApiResources_Always_ListsWorkloadResourcesWithShortNamesAndKinds()
    {
        var result = (await fixture.Kubectl.RunAsync("api-resources")).Ok();

        Assert.Matches(@"^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$", result.Lines[0]);
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^pods\s+po\s+v1\s+true\s+Pod$"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^namespaces\s+ns\s+v1\s+false\s+Namespace$"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^deployments\s+deploy\s+apps/v1\s+true\s+Deployment$"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^horizontalpodautoscalers\s+hpa\s+autoscaling/v2\s+true\s+HorizontalPodAutoscaler$"));
        Assert.Contains(result.Lines, l => Regex.IsMatch(l, @"^jobs\s+batch/v1\s+true\s+Job$"));
    }

    [Fact]
    public async Task ApiResources_NamespacedFalse_ListsOnlyClusterScoped()
    {
        var result = (await fixture.Kubectl.RunAsync("api-resources", "--namespaced=false", "-o", "name")).Ok();

        Assert.Contains("namespaces", result.Lines);
        Assert.Contains("nodes", result.Lines);
        Assert.DoesNotContain("pods", result.Lines);
    }

    [Fact]
    public async Task Explain_LivenessProbe_ShowsFieldDocumentation()
    {
        var result = (await fixture.Kubectl.RunAsync("explain", "pod.spec.containers.livenessProbe")).Ok();

        Assert.Matches(new Regex(@"^KIND:\s+Pod$", RegexOptions.Multiline), result.Stdout);
        Assert.Matches(new Regex(@"^VERSION:\s+v1$", RegexOptions.Multiline), result.Stdout);
        Assert.Matches(new Regex(@"^FIELD: livenessProbe <Probe>$", RegexOptions.Multiline), result.Stdout);
        Assert.Contains("Periodic probe of container liveness", result.Stdout);
        Assert.Matches(new Regex(@"^  periodSeconds\s+<integer>$", RegexOptions.Multiline), result.Stdout);
    }
}
