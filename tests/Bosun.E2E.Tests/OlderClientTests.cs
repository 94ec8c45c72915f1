using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>
/// A smoke subset with older kubectls run directly (not through the <c>/usr/bin/kubectl</c> dispatcher): they post JSON
/// where 1.32 posts protobuf, and 1.27 asks for OpenAPI v2.
/// </summary>
[Trait("Category", "E2E")]
public sealed class OlderClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(20);

    private Kubectl For(string version)
    {
        var path = Path.Combine(Kubectl.VersionedDirectory, $"kubectl.{version}");
        Assert.True(File.Exists(path), $"{path} is missing");
        return fixture.Kubectl.WithExecutable(path, fixture.Temp.Combine($"home-{version}"));
    }

    /// <summary>
    /// kubectl 1.27 validates <c>create -f</c>/<c>apply -f</c> against OpenAPI <b>v2</b>, which it requests as protobuf
    /// (<c>/openapi/v2</c>, then <c>/swagger-2.0.0.pb-v1</c>); the server does not serve v2 protobuf (406), so 1.27 runs with
    /// <c>--validate=false</c>. 1.29 uses OpenAPI v3 like 1.32 and validates normally.
    /// </summary>
    private static string[] Validate(string version) => version == "1.27" ? ["--validate=false"] : [];

    [Theory]
    [InlineData("1.29")]
    [InlineData("1.27")]
    public async Task PodLifecycle_CreateGetLabelWatchDelete(string version)
    {
        var kubectl = For(version);
        var ns = await fixture.CreateNamespaceAsync($"old-pod-{version.Replace('.', '-')}");
        var manifest = Manifests.Pod(ns, "old-pod", new Dictionary<string, string> { ["app"] = "old" });

        var created = (await kubectl.RunWithInputAsync(manifest, ["create", "-f", "-", .. Validate(version)])).Ok();
        Assert.Equal("pod/old-pod created", created.Stdout.Trim());

        var get = (await kubectl.RunAsync("get", "pods", "-n", ns)).Ok();
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$", get.Lines[0]);
        Assert.Matches(@"^old-pod\s+0/1\s+Pending\s+0\s+\d+s$", get.Lines[1]);

        using var watch = kubectl.Start("get", "pods", "-n", ns, "-w", "--show-labels");
        await watch.WaitForLineAsync(@"^old-pod\s+0/1\s+Pending\s+0\s+\d+s\s+app=old$", WatchTimeout);

        var labeled = (await kubectl.RunAsync("label", "pod", "old-pod", "release=canary", "-n", ns)).Ok();
        Assert.Equal("pod/old-pod labeled", labeled.Stdout.Trim());
        await watch.WaitForLineAsync(@"^old-pod\s+0/1\s+Pending\s+0\s+\d+s\s+app=old,release=canary$", WatchTimeout);
        var json = (await kubectl.RunAsync("get", "pod", "old-pod", "-n", ns, "-o", "json")).Ok().Json;
        Assert.Equal("canary", json.GetProperty("metadata").GetProperty("labels").GetProperty("release").GetString());

        var deleted = (await kubectl.RunAsync("delete", "pod", "old-pod", "-n", ns)).Ok();
        Assert.Equal("pod \"old-pod\" deleted", deleted.Stdout.Trim());
        var gone = await kubectl.RunAsync("get", "pod", "old-pod", "-n", ns);
        Assert.Contains("Error from server (NotFound): pods \"old-pod\" not found", gone.Stderr);
    }

    [Theory]
    [InlineData("1.29")]
    [InlineData("1.27")]
    public async Task CreateDeployment_JsonBody_ControllerCreatesReplicaSet(string version)
    {
        var kubectl = For(version);
        var ns = await fixture.CreateNamespaceAsync($"old-deploy-{version.Replace('.', '-')}");

        var created = (await kubectl.RunAsync("create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=2", "-n", ns)).Ok();

        Assert.Equal("deployment.apps/myapp created", created.Stdout.Trim());
        var spec = (await kubectl.RunAsync("get", "deployment", "myapp", "-n", ns, "-o", "json")).Ok().Json.GetProperty("spec");
        Assert.Equal(2, spec.GetProperty("replicas").GetInt32());
        Assert.Equal("25%", spec.GetProperty("strategy").GetProperty("rollingUpdate").GetProperty("maxSurge").GetString());
        Assert.Equal("ikubernetes/myapp:v1", spec.GetProperty("template").GetProperty("spec").GetProperty("containers")[0].GetProperty("image").GetString());
        await Poll.UntilAsync(async () =>
        {
            var sets = (await kubectl.RunAsync("get", "replicasets", "-n", ns, "-l", "app=myapp", "-o", "json")).Ok().Json.GetProperty("items");
            return sets.GetArrayLength() == 1 && sets[0].GetProperty("spec").GetProperty("replicas").GetInt32() == 2;
        }, TimeSpan.FromSeconds(60), "the deployment's ReplicaSet");
    }

    [Theory]
    [InlineData("1.29")]
    [InlineData("1.27")]
    public async Task ApplyFromFile_CreateThenConfigure(string version)
    {
        var kubectl = For(version);
        var ns = await fixture.CreateNamespaceAsync($"old-apply-{version.Replace('.', '-')}");
        var file = fixture.Temp.Combine($"{ns}-cfg.yaml");
        await File.WriteAllTextAsync(file, Manifests.ConfigMap(ns, "cfg", "one"));

        var created = (await kubectl.RunAsync(["apply", "-f", file, .. Validate(version)])).Ok();
        Assert.Equal("configmap/cfg created", created.Stdout.Trim());

        await File.WriteAllTextAsync(file, Manifests.ConfigMap(ns, "cfg", "two"));
        var configured = (await kubectl.RunAsync(["apply", "-f", file, .. Validate(version)])).Ok();
        Assert.Equal("configmap/cfg configured", configured.Stdout.Trim());
        var unchanged = (await kubectl.RunAsync(["apply", "-f", file, .. Validate(version)])).Ok();
        Assert.Equal("configmap/cfg unchanged", unchanged.Stdout.Trim());

        var cfg = (await kubectl.RunAsync("get", "configmap", "cfg", "-n", ns, "-o", "json")).Ok().Json;
        Assert.Equal("two", cfg.GetProperty("data").GetProperty("key").GetString());
        Assert.Contains("\"key\":\"two\"", cfg.GetProperty("metadata").GetProperty("annotations").GetProperty("kubectl.kubernetes.io/last-applied-configuration").GetString());
    }
}
