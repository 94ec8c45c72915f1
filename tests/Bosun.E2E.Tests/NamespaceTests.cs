using System.Text.RegularExpressions;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>Namespaces (created from manifests, see <see cref="Manifests.Namespace"/>) and the Events in them.</summary>
[Trait("Category", "E2E")]
public sealed class NamespaceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan DeletionTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CreateNamespace_FromManifest_IsListedActive()
    {
        var ns = await fixture.CreateNamespaceAsync("created");

        var result = (await fixture.Kubectl.RunAsync("get", "ns", ns)).Ok();

        Assert.Matches(@"^NAME\s+STATUS\s+AGE$", result.Lines[0]);
        Assert.Matches($@"^{ns}\s+Active\s+\d+s$", result.Lines[1]);
    }

    [Fact]
    public async Task DeleteNamespace_WithPods_RemovesPodsThenNamespace()
    {
        var kubectl = fixture.Kubectl;
        var ns = await fixture.CreateNamespaceAsync("doomed");
        (await kubectl.RunWithInputAsync(Manifests.PodDemo(ns), "create", "-f", "-")).Ok();
        (await kubectl.RunWithInputAsync(Manifests.PodDemo(ns, "pod-two"), "create", "-f", "-")).Ok();

        var deleted = (await kubectl.RunAsync(["delete", "namespace", ns], stdin: null, DeletionTimeout)).Ok();
        Assert.Equal($"namespace \"{ns}\" deleted", deleted.Stdout.Trim());

        KubectlResult? last = null;
        await Poll.UntilAsync(async () =>
        {
            last = await kubectl.RunAsync("get", "ns", ns);
            return last.ExitCode != 0;
        }, DeletionTimeout, $"namespace {ns} to disappear");
        Assert.Contains($"Error from server (NotFound): namespaces \"{ns}\" not found", last!.Stderr);

        var pods = (await kubectl.RunAsync("get", "pods", "-n", ns)).Ok();
        Assert.Equal("", pods.Stdout);
        Assert.Equal($"No resources found in {ns} namespace.", pods.Stderr.Trim());
    }

    [Fact]
    public async Task DeleteNamespace_HeldByFinalizer_StaysTerminatingAndRefusesNewPods()
    {
        var kubectl = fixture.Kubectl;
        var ns = $"held-{Guid.NewGuid():N}"[..13];
        (await kubectl.RunWithInputAsync(Manifests.Namespace(ns, finalizer: "e2e.bosun.io/hold"), "create", "-f", "-")).Ok();
        (await kubectl.RunWithInputAsync(Manifests.PodDemo(ns), "create", "-f", "-")).Ok();

        (await kubectl.RunAsync("delete", "namespace", ns, "--wait=false")).Ok();

        await Poll.UntilAsync(async () => (await kubectl.RunAsync("get", "pods", "-n", ns)).Stdout.Length == 0,
            DeletionTimeout, $"the pods in {ns} to be deleted");
        var terminating = (await kubectl.RunAsync("get", "ns", ns)).Ok();
        Assert.Matches($@"^{ns}\s+Terminating\s+", terminating.Lines[1]);
        var refused = await kubectl.RunWithInputAsync(Manifests.PodDemo(ns, "pod-late"), "create", "-f", "-");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains(
            $"Error from server (Forbidden): error when creating \"STDIN\": pods \"pod-late\" is forbidden: " +
            $"unable to create new content in namespace {ns} because it is being terminated",
            refused.Stderr);

        (await kubectl.RunAsync("patch", "namespace", ns, "--type=merge", "-p", """{"metadata":{"finalizers":null}}""")).Ok();
        await Poll.UntilAsync(async () => (await kubectl.RunAsync("get", "ns", ns)).ExitCode != 0,
            DeletionTimeout, $"namespace {ns} to go once its finalizer is removed");
    }

    [Theory]
    [InlineData("default")]
    [InlineData("kube-system")]
    [InlineData("kube-public")]
    public async Task DeleteNamespace_Immortal_IsForbiddenAndStaysActive(string ns)
    {
        var result = await fixture.Kubectl.RunAsync("delete", "namespace", ns);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"Error from server (Forbidden): namespaces \"{ns}\" is forbidden: this namespace may not be deleted", result.Stderr);
        var get = (await fixture.Kubectl.RunAsync("get", "ns", ns)).Ok();
        Assert.Matches($@"^{ns}\s+Active\s+", get.Lines[1]);
    }

    [Fact]
    public async Task GetEvents_AfterCreateFromFile_ListsEvent()
    {
        var ns = await fixture.CreateNamespaceAsync("events");
        var created = (await fixture.Kubectl.RunWithInputAsync(Manifests.Event(ns, "pod-demo.e2e", "pod-demo"), "create", "-f", "-")).Ok();
        Assert.Equal("event/pod-demo.e2e created", created.Stdout.Trim());

        var result = (await fixture.Kubectl.RunAsync("get", "events", "-n", ns)).Ok();

        Assert.Matches(@"^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$", result.Lines[0]);
        Assert.Matches(new Regex($@"^\S+\s+Normal\s+Scheduled\s+pod/pod-demo\s+Successfully assigned {ns}/pod-demo to node-e2e$"), result.Lines[1]);
    }
}
