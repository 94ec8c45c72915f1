using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary><c>kubectl get pods -w</c>: rows for the initial list and for every later change.</summary>
[Trait("Category", "E2E")]
public sealed class WatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GetPodsWatch_CreateLabelDelete_PrintsAddedModifiedDeletedRows()
    {
        var kubectl = fixture.Kubectl;
        var ns = await fixture.CreateNamespaceAsync("watch");
        (await kubectl.RunWithInputAsync(Manifests.PodDemo(ns), "create", "-f", "-")).Ok();

        using var watch = kubectl.Start("get", "pods", "-n", ns, "-w", "--output-watch-events");
        // The initial list arrives as ADDED once the watch is established; changes after this are streamed.
        await watch.WaitForLineAsync(@"^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$", EventTimeout);
        await watch.WaitForLineAsync(@"^ADDED\s+pod-demo\s+0/2\s+Pending\s+0\s+\d+s$", EventTimeout);

        (await kubectl.RunWithInputAsync(Manifests.PodDemo(ns, "pod-watched"), "create", "-f", "-")).Ok();
        await watch.WaitForLineAsync(@"^ADDED\s+pod-watched\s+0/2\s+Pending\s+0\s+\d+s$", EventTimeout);

        (await kubectl.RunAsync("label", "pod", "pod-watched", "release=canary", "-n", ns)).Ok();
        await watch.WaitForLineAsync(@"^MODIFIED\s+pod-watched\s+0/2\s+Pending\s+0\s+\d+s$", EventTimeout);

        (await kubectl.RunAsync("delete", "pod", "pod-watched", "-n", ns, "--wait=false")).Ok();
        await watch.WaitForLineAsync(@"^DELETED\s+pod-watched\s+", EventTimeout);

        Assert.Single(watch.Lines, l => l.StartsWith("EVENT", StringComparison.Ordinal));
        Assert.DoesNotContain(watch.Lines, l => l.Contains("pod-demo") && !l.StartsWith("ADDED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetPodsWatch_WithoutEventColumn_PrintsPlainRows()
    {
        var kubectl = fixture.Kubectl;
        var ns = await fixture.CreateNamespaceAsync("watch-plain");

        (await kubectl.RunWithInputAsync(Manifests.PodDemo(ns), "create", "-f", "-")).Ok();
        using var watch = kubectl.Start("get", "pods", "-n", ns, "-w");
        await watch.WaitForLineAsync(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$", EventTimeout);
        await watch.WaitForLineAsync(@"^pod-demo\s+0/2\s+Pending\s+0\s+\d+s$", EventTimeout);

        (await kubectl.RunWithInputAsync(Manifests.PodDemo(ns, "pod-later"), "create", "-f", "-")).Ok();

        await watch.WaitForLineAsync(@"^pod-later\s+0/2\s+Pending\s+0\s+\d+s$", EventTimeout);
    }
}
