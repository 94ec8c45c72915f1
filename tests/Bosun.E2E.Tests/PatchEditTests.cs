using System.Text.Json;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary><c>kubectl patch</c> (strategic, merge, json), <c>edit</c>, <c>cordon/uncordon</c>, <c>replace</c>, server dry runs and validation errors.</summary>
[Trait("Category", "E2E")]
public sealed class PatchEditTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly Kubectl _kubectl = fixture.Kubectl;

    private async Task<string> CreatePodDemoAsync(string prefix)
    {
        var ns = await fixture.CreateNamespaceAsync(prefix);
        (await _kubectl.RunWithInputAsync(Manifests.PodDemo(ns), "create", "-f", "-")).Ok();
        return ns;
    }

    private async Task<JsonElement> GetAsync(string ns, string what) =>
        (await _kubectl.RunAsync("get", what, "-n", ns, "-o", "json")).Ok().Json;

    private static Dictionary<string, string?> Labels(JsonElement obj) =>
        obj.GetProperty("metadata").GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());

    private static string[] Images(JsonElement pod) =>
        pod.GetProperty("spec").GetProperty("containers").EnumerateArray().Select(c => $"{c.GetProperty("name").GetString()}={c.GetProperty("image").GetString()}").ToArray();

    [Fact]
    public async Task Patch_StrategicDefault_MergesContainersByName()
    {
        var ns = await CreatePodDemoAsync("patch-smp");

        var patched = (await _kubectl.RunAsync("patch", "pod", "pod-demo", "-n", ns, "-p",
            """{"metadata":{"labels":{"release":"canary"}},"spec":{"containers":[{"name":"myapp","image":"ikubernetes/myapp:v2"}]}}""")).Ok();

        Assert.Equal("pod/pod-demo patched", patched.Stdout.Trim());
        var pod = await GetAsync(ns, "pod/pod-demo");
        Assert.Equal(["myapp=ikubernetes/myapp:v2", "busybox=busybox:latest"], Images(pod));
        Assert.Equal(new Dictionary<string, string?> { ["app"] = "myapp", ["tier"] = "frontend", ["release"] = "canary" }, Labels(pod));
        Assert.False(pod.GetProperty("metadata").TryGetProperty("managedFields", out _), "kubectl hides managedFields by default");
    }

    [Fact]
    public async Task Patch_TypeMerge_NullDeletesAndListsReplace()
    {
        var ns = await fixture.CreateNamespaceAsync("patch-merge");
        (await _kubectl.RunWithInputAsync(Manifests.ConfigMap(ns, "cfg", "one"), "create", "-f", "-")).Ok();
        (await _kubectl.RunAsync("label", "configmap", "cfg", "tier=frontend", "-n", ns)).Ok();

        var patched = (await _kubectl.RunAsync("patch", "configmap", "cfg", "-n", ns, "--type=merge", "-p",
            """{"metadata":{"labels":{"tier":null,"release":"stable"}},"data":{"key":"two","extra":"x"}}""")).Ok();

        Assert.Equal("configmap/cfg patched", patched.Stdout.Trim());
        var cfg = await GetAsync(ns, "configmap/cfg");
        Assert.Equal(new Dictionary<string, string?> { ["release"] = "stable" }, Labels(cfg));
        Assert.Equal("two", cfg.GetProperty("data").GetProperty("key").GetString());
        Assert.Equal("x", cfg.GetProperty("data").GetProperty("extra").GetString());
    }

    [Fact]
    public async Task Patch_TypeJson_AppliesOperationsInOrder()
    {
        var ns = await CreatePodDemoAsync("patch-json");

        var patched = (await _kubectl.RunAsync("patch", "pod", "pod-demo", "-n", ns, "--type=json", "-p",
            """[{"op":"replace","path":"/spec/containers/1/image","value":"busybox:1.36"},{"op":"add","path":"/metadata/labels/release","value":"beta"},{"op":"remove","path":"/metadata/labels/tier"}]""")).Ok();

        Assert.Equal("pod/pod-demo patched", patched.Stdout.Trim());
        var pod = await GetAsync(ns, "pod/pod-demo");
        Assert.Equal(["myapp=ikubernetes/myapp:v1", "busybox=busybox:1.36"], Images(pod));
        Assert.Equal(new Dictionary<string, string?> { ["app"] = "myapp", ["release"] = "beta" }, Labels(pod));

        var failed = await _kubectl.RunAsync("patch", "pod", "pod-demo", "-n", ns, "--type=json", "-p",
            """[{"op":"test","path":"/metadata/labels/release","value":"gamma"},{"op":"remove","path":"/metadata/labels/app"}]""");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Equal("beta", Labels(await GetAsync(ns, "pod/pod-demo"))["release"]);
        Assert.Equal("myapp", Labels(await GetAsync(ns, "pod/pod-demo"))["app"]);
    }

    [Fact]
    public async Task Edit_WithSedAsEditor_PatchesChangedLabel()
    {
        var ns = await CreatePodDemoAsync("edit");
        var editor = fixture.Temp.Combine($"{ns}-editor.sh");
        await File.WriteAllTextAsync(editor, "#!/bin/sh\nsed -i 's/^    tier: frontend$/    tier: backend/' \"$1\"\n");
        // kubectl splits an editor command without quotes on spaces: runs "sh <script> <temp file>".
        var editing = _kubectl.WithEnvironment(new Dictionary<string, string> { ["KUBE_EDITOR"] = $"sh {editor}", ["EDITOR"] = $"sh {editor}" });

        var edited = (await editing.RunAsync("edit", "pod", "pod-demo", "-n", ns)).Ok();

        Assert.Equal("pod/pod-demo edited", edited.Stdout.Trim());
        var pod = await GetAsync(ns, "pod/pod-demo");
        Assert.Equal(new Dictionary<string, string?> { ["app"] = "myapp", ["tier"] = "backend" }, Labels(pod));
        Assert.Equal(["myapp=ikubernetes/myapp:v1", "busybox=busybox:latest"], Images(pod));

        var noChange = (await editing.RunAsync("edit", "pod", "pod-demo", "-n", ns)).Ok();
        Assert.Equal("Edit cancelled, no changes made.", noChange.Stdout.Trim() + noChange.Stderr.Trim());
    }

    [Fact]
    public async Task CordonUncordon_Node_SetsAndClearsUnschedulable()
    {
        var name = $"node-{Guid.NewGuid():N}"[..13];
        var created = (await _kubectl.RunWithInputAsync($"""
            apiVersion: v1
            kind: Node
            metadata:
              name: {name}
              labels:
                kubernetes.io/hostname: {name}
            """, "create", "-f", "-")).Ok();
        Assert.Equal($"node/{name} created", created.Stdout.Trim());

        var cordoned = (await _kubectl.RunAsync("cordon", name)).Ok();
        Assert.Equal($"node/{name} cordoned", cordoned.Stdout.Trim());
        var node = (await _kubectl.RunAsync("get", "node", name, "-o", "json")).Ok().Json;
        Assert.True(node.GetProperty("spec").GetProperty("unschedulable").GetBoolean());
        var again = (await _kubectl.RunAsync("cordon", name)).Ok();
        Assert.Equal($"node/{name} already cordoned", again.Stdout.Trim());

        var uncordoned = (await _kubectl.RunAsync("uncordon", name)).Ok();
        Assert.Equal($"node/{name} uncordoned", uncordoned.Stdout.Trim());
        node = (await _kubectl.RunAsync("get", "node", name, "-o", "json")).Ok().Json;
        Assert.False(node.GetProperty("spec").TryGetProperty("unschedulable", out var value), $"spec.unschedulable still {value}");

        (await _kubectl.RunAsync("delete", "node", name)).Ok();
    }

    [Fact]
    public async Task ReplaceFromFile_WithoutResourceVersion_ReplacesWholeObject()
    {
        var ns = await fixture.CreateNamespaceAsync("replace");
        (await _kubectl.RunWithInputAsync(Manifests.ConfigMap(ns, "cfg", "one"), "create", "-f", "-")).Ok();
        (await _kubectl.RunAsync("label", "configmap", "cfg", "tier=frontend", "-n", ns)).Ok();
        var file = fixture.Temp.Combine($"{ns}-cfg.yaml");
        await File.WriteAllTextAsync(file, $"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: cfg
              namespace: {ns}
            data:
              other: two
            """);

        var replaced = (await _kubectl.RunAsync("replace", "-f", file)).Ok();

        Assert.Equal("configmap/cfg replaced", replaced.Stdout.Trim());
        var cfg = await GetAsync(ns, "configmap/cfg");
        Assert.Equal(["other"], cfg.GetProperty("data").EnumerateObject().Select(p => p.Name));
        Assert.False(cfg.GetProperty("metadata").TryGetProperty("labels", out _), "labels not in the replacement are gone");
    }

    [Fact]
    public async Task CreateDryRunServer_ValidObject_PrintsDryRunAndStoresNothing()
    {
        var ns = await fixture.CreateNamespaceAsync("create-dry");

        var dry = (await _kubectl.RunWithInputAsync(Manifests.PodDemo(ns), "create", "--dry-run=server", "-f", "-", "-o", "json")).Ok();

        var pod = dry.Json;
        Assert.Equal("pod-demo", pod.GetProperty("metadata").GetProperty("name").GetString());
        Assert.Equal("Always", pod.GetProperty("spec").GetProperty("restartPolicy").GetString());   // defaulted by the server
        var plain = (await _kubectl.RunWithInputAsync(Manifests.PodDemo(ns), "create", "--dry-run=server", "-f", "-")).Ok();
        Assert.Equal("pod/pod-demo created (server dry run)", plain.Stdout.Trim());
        var missing = await _kubectl.RunAsync("get", "pod", "pod-demo", "-n", ns);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("Error from server (NotFound): pods \"pod-demo\" not found", missing.Stderr);
    }

    [Fact]
    public async Task Create_DuplicateContainerNames_IsInvalidWithField()
    {
        var ns = await fixture.CreateNamespaceAsync("invalid-dup");

        var result = await _kubectl.RunWithInputAsync($"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: dup
              namespace: {ns}
            spec:
              containers:
              - name: main
                image: busybox:latest
              - name: main
                image: nginx:1.14-alpine
            """, "create", "-f", "-");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("The Pod \"dup\" is invalid: spec.containers[1].name: Duplicate value: \"main\"", result.Stderr);
        Assert.NotEqual(0, (await _kubectl.RunAsync("get", "pod", "dup", "-n", ns)).ExitCode);
    }

    [Fact]
    public async Task Create_NoContainers_IsInvalidWithRequiredField()
    {
        var ns = await fixture.CreateNamespaceAsync("invalid-empty");

        var result = await _kubectl.RunWithInputAsync($"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: empty
              namespace: {ns}
            spec:
              containers: []
            """, "create", "-f", "-");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("The Pod \"empty\" is invalid: spec.containers: Required value", result.Stderr);
    }
}
