using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary><c>kubectl create/get/label/annotate/describe/replace/delete</c> on the seed's pod-demo.</summary>
[Trait("Category", "E2E")]
public sealed class PodCommandsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly Kubectl _kubectl = fixture.Kubectl;

    private async Task<string> CreatePodDemoAsync(string prefix)
    {
        var ns = await fixture.CreateNamespaceAsync(prefix);
        var created = (await _kubectl.RunWithInputAsync(Manifests.PodDemo(ns), "create", "-f", "-")).Ok();
        Assert.Equal("pod/pod-demo created", created.Stdout.Trim());
        return ns;
    }

    [Fact]
    public async Task CreateFromFile_PodDemoYaml_CreatesPodThatDeleteFromFileRemoves()
    {
        // The literal seed file, namespace default: the only test that touches the default namespace.
        var created = (await _kubectl.RunAsync("create", "-f", Manifests.PodDemoPath)).Ok();
        Assert.Equal("pod/pod-demo created", created.Stdout.Trim());

        var get = (await _kubectl.RunAsync("get", "pods", "pod-demo", "-n", "default")).Ok();
        Assert.Matches(@"^pod-demo\s+0/2\s+Pending\s+0\s+\d+s$", get.Lines[1]);

        var again = await _kubectl.RunAsync("create", "-f", Manifests.PodDemoPath);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("Error from server (AlreadyExists): error when creating", again.Stderr);
        Assert.Contains("pods \"pod-demo\" already exists", again.Stderr);

        var deleted = (await _kubectl.RunAsync("delete", "-f", Manifests.PodDemoPath)).Ok();
        Assert.Equal("pod \"pod-demo\" deleted", deleted.Stdout.Trim());

        var gone = await _kubectl.RunAsync("get", "pod", "pod-demo", "-n", "default");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("Error from server (NotFound): pods \"pod-demo\" not found", gone.Stderr);
    }

    [Fact]
    public async Task GetPods_Plain_PrintsStandardColumnsWithPendingRow()
    {
        var ns = await CreatePodDemoAsync("get-plain");

        var result = (await _kubectl.RunAsync("get", "pods", "-n", ns)).Ok();

        Assert.Equal(2, result.Lines.Length);
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$", result.Lines[0]);
        Assert.Matches(@"^pod-demo\s+0/2\s+Pending\s+0\s+\d+s$", result.Lines[1]);
    }

    [Fact]
    public async Task GetPods_Wide_AddsIpNodeAndGateColumns()
    {
        var ns = await CreatePodDemoAsync("get-wide");

        var result = (await _kubectl.RunAsync("get", "pods", "-n", ns, "-o", "wide")).Ok();

        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$", result.Lines[0]);
        Assert.Matches(@"^pod-demo\s+0/2\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>$", result.Lines[1]);
    }

    [Fact]
    public async Task GetPod_Yaml_PrintsStoredObject()
    {
        var ns = await CreatePodDemoAsync("get-yaml");

        var result = (await _kubectl.RunAsync("get", "pod", "pod-demo", "-n", ns, "-o", "yaml")).Ok();

        Assert.StartsWith("apiVersion: v1\n", result.Stdout);
        Assert.Contains("kind: Pod\n", result.Stdout);
        Assert.Contains("  name: pod-demo\n", result.Stdout);
        Assert.Contains($"  namespace: {ns}\n", result.Stdout);
        Assert.Contains("    app: myapp\n", result.Stdout);
        Assert.Contains("    tier: frontend\n", result.Stdout);
        Assert.Contains("image: ikubernetes/myapp:v1", result.Stdout);
        Assert.Contains("image: busybox:latest", result.Stdout);
        Assert.Matches(new Regex(@"^  resourceVersion: ""\d+""$", RegexOptions.Multiline), result.Stdout);
        Assert.Matches(new Regex(@"^  uid: [0-9a-f-]{36}$", RegexOptions.Multiline), result.Stdout);
    }

    [Fact]
    public async Task GetPod_Json_ParsesAsPodWithBothContainers()
    {
        var ns = await CreatePodDemoAsync("get-json");

        var result = (await _kubectl.RunAsync("get", "pod", "pod-demo", "-n", ns, "-o", "json")).Ok();

        using var doc = JsonDocument.Parse(result.Stdout);
        var pod = doc.RootElement;
        Assert.Equal("Pod", pod.GetProperty("kind").GetString());
        Assert.Equal("v1", pod.GetProperty("apiVersion").GetString());
        var metadata = pod.GetProperty("metadata");
        Assert.Equal("pod-demo", metadata.GetProperty("name").GetString());
        Assert.Equal(ns, metadata.GetProperty("namespace").GetString());
        Assert.Equal("myapp", metadata.GetProperty("labels").GetProperty("app").GetString());
        Assert.Equal("frontend", metadata.GetProperty("labels").GetProperty("tier").GetString());
        Assert.True(long.Parse(metadata.GetProperty("resourceVersion").GetString()!) > 0);
        var containers = pod.GetProperty("spec").GetProperty("containers").EnumerateArray().ToArray();
        Assert.Equal(["myapp", "busybox"], containers.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["/bin/sh", "-c", "sleep 3600"], containers[1].GetProperty("command").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Pending", pod.GetProperty("status").GetProperty("phase").GetString());
    }

    [Fact]
    public async Task GetPods_ShowLabels_AddsLabelsColumn()
    {
        var ns = await CreatePodDemoAsync("show-labels");

        var result = (await _kubectl.RunAsync("get", "pods", "-n", ns, "--show-labels")).Ok();

        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+LABELS$", result.Lines[0]);
        Assert.Matches(@"^pod-demo\s+0/2\s+Pending\s+0\s+\d+s\s+app=myapp,tier=frontend$", result.Lines[1]);
    }

    [Fact]
    public async Task GetPods_LabelColumns_AddsColumnPerKey()
    {
        var ns = await CreatePodDemoAsync("label-columns");

        var result = (await _kubectl.RunAsync("get", "pods", "-n", ns, "-L", "app")).Ok();

        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+APP$", result.Lines[0]);
        Assert.Matches(@"^pod-demo\s+0/2\s+Pending\s+0\s+\d+s\s+myapp$", result.Lines[1]);
    }

    [Fact]
    public async Task LabelPod_ExistingKeyWithoutOverwrite_FailsUntilOverwriteGiven()
    {
        var ns = await CreatePodDemoAsync("label");

        var first = (await _kubectl.RunAsync("label", "pods", "pod-demo", "release=canary", "-n", ns)).Ok();
        Assert.Equal("pod/pod-demo labeled", first.Stdout.Trim());

        var clash = await _kubectl.RunAsync("label", "pods", "pod-demo", "release=stable", "-n", ns);
        Assert.NotEqual(0, clash.ExitCode);
        Assert.Contains("error: 'release' already has a value (canary), and --overwrite is false", clash.Stderr);
        var unchanged = (await _kubectl.RunAsync("get", "pods", "-n", ns, "-L", "release")).Ok();
        Assert.Matches(@"\scanary$", unchanged.Lines[1]);

        var overwritten = (await _kubectl.RunAsync("label", "pods", "pod-demo", "release=stable", "--overwrite", "-n", ns)).Ok();
        Assert.Equal("pod/pod-demo labeled", overwritten.Stdout.Trim());
        var labels = (await _kubectl.RunAsync("get", "pods", "-n", ns, "--show-labels")).Ok();
        Assert.Matches(@"\sapp=myapp,release=stable,tier=frontend$", labels.Lines[1]);
    }

    [Fact]
    public async Task AnnotatePod_NewThenExistingKey_StoresValueAndNeedsOverwriteToChange()
    {
        var ns = await CreatePodDemoAsync("annotate");

        var annotated = (await _kubectl.RunAsync("annotate", "pods", "pod-demo", "bosun.io/created-by=e2e", "-n", ns)).Ok();
        Assert.Equal("pod/pod-demo annotated", annotated.Stdout.Trim());
        var clash = await _kubectl.RunAsync("annotate", "pods", "pod-demo", "bosun.io/created-by=other", "-n", ns);
        Assert.NotEqual(0, clash.ExitCode);
        Assert.Contains("error: --overwrite is false but found the following declared annotation(s): 'bosun.io/created-by' already has a value (e2e)", clash.Stderr);

        var value = (await _kubectl.RunAsync("get", "pod", "pod-demo", "-n", ns, "-o", "jsonpath={.metadata.annotations.bosun\\.io/created-by}")).Ok();
        Assert.Equal("e2e", value.Stdout);
    }

    [Fact]
    public async Task DescribePod_LabelledAndAnnotated_ShowsLabelsAnnotationsAndContainers()
    {
        var ns = await CreatePodDemoAsync("describe");
        (await _kubectl.RunAsync("label", "pods", "pod-demo", "release=canary", "-n", ns)).Ok();
        (await _kubectl.RunAsync("annotate", "pods", "pod-demo", "owner=e2e", "-n", ns)).Ok();

        var result = (await _kubectl.RunAsync("describe", "pod", "pod-demo", "-n", ns)).Ok();

        var text = result.Stdout;
        Assert.Matches(new Regex(@"^Name:\s+pod-demo$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex($@"^Namespace:\s+{ns}$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^Labels:\s+app=myapp\n\s+release=canary\n\s+tier=frontend$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^Annotations:\s+owner: e2e$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^Status:\s+Pending$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^Containers:\n  myapp:\n    Image:\s+ikubernetes/myapp:v1$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^  busybox:\n    Image:\s+busybox:latest$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^    Command:\n      /bin/sh\n      -c\n      sleep 3600$", RegexOptions.Multiline), text);
    }

    [Fact]
    public async Task DescribePod_WithEventForPod_ShowsEventsSection()
    {
        var ns = await CreatePodDemoAsync("describe-events");
        var uid = (await _kubectl.RunAsync("get", "pod", "pod-demo", "-n", ns, "-o", "jsonpath={.metadata.uid}")).Ok().Stdout;
        (await _kubectl.RunWithInputAsync(Manifests.Event(ns, "pod-demo.scheduled", "pod-demo", uid), "create", "-f", "-")).Ok();

        var result = (await _kubectl.RunAsync("describe", "pod", "pod-demo", "-n", ns)).Ok();

        Assert.Matches(new Regex(@"^Events:\n  Type\s+Reason\s+Age\s+From\s+Message\n  ----", RegexOptions.Multiline), result.Stdout);
        Assert.Matches(
            new Regex($@"^  Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned {ns}/pod-demo to node-e2e$", RegexOptions.Multiline),
            result.Stdout);
    }

    [Fact]
    public async Task ReplaceFromFile_StaleResourceVersion_FailsWithConflict()
    {
        var ns = await CreatePodDemoAsync("replace");
        var stale = (await _kubectl.RunAsync("get", "pod", "pod-demo", "-n", ns, "-o", "yaml")).Ok().Stdout;
        (await _kubectl.RunAsync("label", "pods", "pod-demo", "release=canary", "-n", ns)).Ok();
        var file = fixture.Temp.Combine($"{ns}-stale.yaml");
        await File.WriteAllTextAsync(file, stale);

        var result = await _kubectl.RunAsync("replace", "-f", file);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(
            $"Error from server (Conflict): error when replacing \"{file}\": Operation cannot be fulfilled on pods \"pod-demo\": " +
            "the object has been modified; please apply your changes to the latest version and try again",
            result.Stderr);
    }

    [Fact]
    public async Task ReplaceFromFile_CurrentResourceVersion_Replaces()
    {
        var ns = await CreatePodDemoAsync("replace-ok");
        var current = (await _kubectl.RunAsync("get", "pod", "pod-demo", "-n", ns, "-o", "yaml")).Ok().Stdout;
        var file = fixture.Temp.Combine($"{ns}-current.yaml");
        await File.WriteAllTextAsync(file, current.Replace("    tier: frontend\n", "    tier: backend\n"));

        var result = (await _kubectl.RunAsync("replace", "-f", file)).Ok();

        Assert.Equal("pod/pod-demo replaced", result.Stdout.Trim());
        var labels = (await _kubectl.RunAsync("get", "pods", "-n", ns, "-L", "tier")).Ok();
        Assert.Matches(@"\sbackend$", labels.Lines[1]);
    }
}
