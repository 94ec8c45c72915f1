using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>Every <c>-l</c> selector form from the seed, against pods with release=canary, release=stable and no release label.</summary>
[Trait("Category", "E2E")]
public sealed class LabelSelectorTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private string _ns = "";

    public async Task InitializeAsync()
    {
        _ns = await fixture.CreateNamespaceAsync("selectors");
        var pods = string.Join("\n---\n",
            Manifests.Pod(_ns, "pod-canary", new Dictionary<string, string> { ["app"] = "myapp", ["release"] = "canary" }),
            Manifests.Pod(_ns, "pod-stable", new Dictionary<string, string> { ["app"] = "myapp", ["release"] = "stable" }),
            Manifests.Pod(_ns, "other-stable", new Dictionary<string, string> { ["app"] = "other", ["release"] = "stable" }),
            Manifests.Pod(_ns, "pod-unreleased", new Dictionary<string, string> { ["app"] = "myapp" }));
        var created = (await fixture.Kubectl.RunWithInputAsync(pods, "create", "-f", "-")).Ok();
        Assert.Equal(4, created.Lines.Length);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("release=canary", new[] { "pod-canary" })]
    [InlineData("release=stable", new[] { "other-stable", "pod-stable" })]
    [InlineData("release!=stable", new[] { "pod-canary", "pod-unreleased" })]
    [InlineData("release=stable,app=myapp", new[] { "pod-stable" })]
    [InlineData("release in (canary,alpha,beta)", new[] { "pod-canary" })]
    [InlineData("release notin (canary,alpha,beta)", new[] { "other-stable", "pod-stable", "pod-unreleased" })]
    [InlineData("release", new[] { "other-stable", "pod-canary", "pod-stable" })]
    [InlineData("!release", new[] { "pod-unreleased" })]
    public async Task GetPods_Selector_ListsExactlyMatchingPods(string selector, string[] expected)
    {
        var result = (await fixture.Kubectl.RunAsync("get", "pods", "-n", _ns, "-l", selector)).Ok();

        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$", result.Lines[0]);
        Assert.Equal(expected, result.Names);
    }

    [Fact]
    public async Task GetPods_SelectorMatchingNothing_SaysNoResourcesFound()
    {
        var result = (await fixture.Kubectl.RunAsync("get", "pods", "-n", _ns, "-l", "release=alpha")).Ok();

        Assert.Equal("", result.Stdout);
        Assert.Equal($"No resources found in {_ns} namespace.", result.Stderr.Trim());
    }
}
