using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>
/// <c>kubectl apply</c>: client-side (strategic merge of the last-applied configuration), server-side (managedFields,
/// the CSA→SSA migration, conflicts), <c>diff</c> and <c>--dry-run=server</c>.
/// </summary>
[Trait("Category", "E2E")]
public sealed class ApplyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly Kubectl _kubectl = fixture.Kubectl;

    private static string Deployment(string ns, string image, bool full) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {{ns}}
          labels:
            app: web
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: web
                image: {{image}}
                env:
        {{(full ? "        - name: A\n          value: \"1\"\n" : "")}}        - name: B
                  value: "2"
                ports:
                - containerPort: 80
        {{(full ? "        - containerPort: 443\n" : "")}}
        """;

    private static string ConfigMap(string ns, string value, string? extraKey = null) => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cfg
          namespace: {ns}
        data:
          key: "{value}"
        {(extraKey is null ? "" : $"  {extraKey}: \"x\"\n")}
        """;

    private async Task<string> WriteAsync(string ns, string name, string yaml)
    {
        var file = fixture.Temp.Combine($"{ns}-{name}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        return file;
    }

    private async Task<JsonElement> GetAsync(string ns, string resource, params string[] extra) =>
        (await _kubectl.RunAsync(["get", resource, "-n", ns, "-o", "json", .. extra])).Ok().Json;

    private static string[] Managers(JsonElement obj) =>
        obj.GetProperty("metadata").GetProperty("managedFields").EnumerateArray()
            .Select(m => $"{m.GetProperty("manager").GetString()}/{m.GetProperty("operation").GetString()}")
            .Order().ToArray();

    [Fact]
    public async Task ClientSideApply_CreateChangeReapply_StrategicMergeResultThenUnchanged()
    {
        var ns = await fixture.CreateNamespaceAsync("csa");
        var file = await WriteAsync(ns, "web", Deployment(ns, "nginx:1.14-alpine", full: true));

        var created = (await _kubectl.RunAsync("apply", "-f", file)).Ok();
        Assert.Equal("deployment.apps/web created", created.Stdout.Trim());
        var first = await GetAsync(ns, "deployment/web");
        var lastApplied = first.GetProperty("metadata").GetProperty("annotations").GetProperty("kubectl.kubernetes.io/last-applied-configuration").GetString()!;
        Assert.Contains("\"containerPort\":443", lastApplied);
        Assert.Equal(1, first.GetProperty("metadata").GetProperty("generation").GetInt64());

        // Image changed, env A and port 443 removed: kubectl sends an SMP with $patch: delete and $setElementOrder.
        await File.WriteAllTextAsync(file, Deployment(ns, "nginx:1.15-alpine", full: false));
        var configured = (await _kubectl.RunAsync("apply", "-f", file)).Ok();
        Assert.Equal("deployment.apps/web configured", configured.Stdout.Trim());

        var web = await GetAsync(ns, "deployment/web");
        Assert.Equal(2, web.GetProperty("metadata").GetProperty("generation").GetInt64());
        var containers = web.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers").EnumerateArray().ToArray();
        var container = Assert.Single(containers);
        Assert.Equal("web", container.GetProperty("name").GetString());
        Assert.Equal("nginx:1.15-alpine", container.GetProperty("image").GetString());
        var env = Assert.Single(container.GetProperty("env").EnumerateArray());
        Assert.Equal("B", env.GetProperty("name").GetString());
        Assert.Equal("2", env.GetProperty("value").GetString());
        var port = Assert.Single(container.GetProperty("ports").EnumerateArray());
        Assert.Equal(80, port.GetProperty("containerPort").GetInt32());
        Assert.Equal("TCP", port.GetProperty("protocol").GetString());
        Assert.Equal(2, web.GetProperty("spec").GetProperty("replicas").GetInt32());
        var newLastApplied = web.GetProperty("metadata").GetProperty("annotations").GetProperty("kubectl.kubernetes.io/last-applied-configuration").GetString()!;
        Assert.DoesNotContain("443", newLastApplied);
        Assert.Contains("nginx:1.15-alpine", newLastApplied);

        var unchanged = (await _kubectl.RunAsync("apply", "-f", file)).Ok();
        Assert.Equal("deployment.apps/web unchanged", unchanged.Stdout.Trim());
        // Not the resourceVersion: the deployment controller keeps writing status.
        var after = await GetAsync(ns, "deployment/web");
        Assert.Equal(2, after.GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.Equal(newLastApplied, after.GetProperty("metadata").GetProperty("annotations").GetProperty("kubectl.kubernetes.io/last-applied-configuration").GetString());
    }

    [Fact]
    public async Task ServerSideApply_Create_RecordsApplyManager()
    {
        var ns = await fixture.CreateNamespaceAsync("ssa");
        var file = await WriteAsync(ns, "cfg", ConfigMap(ns, "1"));

        var applied = (await _kubectl.RunAsync("apply", "--server-side", "-f", file)).Ok();

        Assert.Equal("configmap/cfg serverside-applied", applied.Stdout.Trim());
        var cfg = await GetAsync(ns, "configmap/cfg", "--show-managed-fields");
        Assert.Equal("1", cfg.GetProperty("data").GetProperty("key").GetString());
        Assert.Equal(["kubectl/Apply"], Managers(cfg));
        var fields = cfg.GetProperty("metadata").GetProperty("managedFields")[0].GetProperty("fieldsV1");
        Assert.True(fields.GetProperty("f:data").TryGetProperty("f:key", out _), fields.ToString());
    }

    [Fact]
    public async Task ServerSideApply_AfterClientSideApply_MigratesManagedFields()
    {
        var ns = await fixture.CreateNamespaceAsync("ssa-migrate");
        var file = await WriteAsync(ns, "cfg", ConfigMap(ns, "1"));
        Assert.Equal("configmap/cfg created", (await _kubectl.RunAsync("apply", "-f", file)).Ok().Stdout.Trim());
        var before = await GetAsync(ns, "configmap/cfg", "--show-managed-fields");
        Assert.Equal(["kubectl-client-side-apply/Update"], Managers(before));

        await File.WriteAllTextAsync(file, ConfigMap(ns, "2"));
        var applied = (await _kubectl.RunAsync("apply", "--server-side", "-f", file)).Ok();

        Assert.Equal("configmap/cfg serverside-applied", applied.Stdout.Trim());
        var cfg = await GetAsync(ns, "configmap/cfg", "--show-managed-fields");
        Assert.Equal("2", cfg.GetProperty("data").GetProperty("key").GetString());
        // kubectl moved the client-side-apply manager's fields to the "kubectl" Apply manager (apply → json-patch → apply).
        var managers = Managers(cfg);
        Assert.Contains("kubectl/Apply", managers);
        Assert.DoesNotContain("kubectl-client-side-apply/Update", managers);
        var owner = cfg.GetProperty("metadata").GetProperty("managedFields").EnumerateArray()
            .Single(m => m.GetProperty("manager").GetString() == "kubectl");
        Assert.True(owner.GetProperty("fieldsV1").GetProperty("f:data").TryGetProperty("f:key", out _), owner.ToString());

        // Applying the same manifest server-side again succeeds with no conflict left over.
        var again = (await _kubectl.RunAsync("apply", "--server-side", "-f", file)).Ok();
        Assert.Equal("configmap/cfg serverside-applied", again.Stdout.Trim());
    }

    [Fact]
    public async Task ServerSideApply_OtherManagersField_ConflictsUntilForced()
    {
        var ns = await fixture.CreateNamespaceAsync("ssa-conflict");
        var file = await WriteAsync(ns, "cfg", ConfigMap(ns, "1"));
        (await _kubectl.RunAsync("apply", "--server-side", "-f", file)).Ok();
        var other = await WriteAsync(ns, "cfg-other", ConfigMap(ns, "2", extraKey: "mine"));

        var conflict = await _kubectl.RunAsync("apply", "--server-side", "--field-manager=other", "-f", other);

        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl\"", conflict.Stderr);
        Assert.Contains(".data.key", conflict.Stderr);
        Assert.Contains("Please review the fields above--they currently have other managers.", conflict.Stderr);
        Assert.Contains("--force-conflicts", conflict.Stderr);
        var untouched = await GetAsync(ns, "configmap/cfg");
        Assert.Equal("1", untouched.GetProperty("data").GetProperty("key").GetString());
        Assert.False(untouched.GetProperty("data").TryGetProperty("mine", out _));

        var forced = (await _kubectl.RunAsync("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other)).Ok();

        Assert.Equal("configmap/cfg serverside-applied", forced.Stdout.Trim());
        var cfg = await GetAsync(ns, "configmap/cfg", "--show-managed-fields");
        Assert.Equal("2", cfg.GetProperty("data").GetProperty("key").GetString());
        Assert.Equal("x", cfg.GetProperty("data").GetProperty("mine").GetString());
        var otherFields = cfg.GetProperty("metadata").GetProperty("managedFields").EnumerateArray()
            .Single(m => m.GetProperty("manager").GetString() == "other").GetProperty("fieldsV1").GetProperty("f:data");
        Assert.True(otherFields.TryGetProperty("f:key", out _), otherFields.ToString());
        Assert.True(otherFields.TryGetProperty("f:mine", out _), otherFields.ToString());
    }

    [Fact]
    public async Task Diff_ChangedManifest_ShowsChangeAndExitsOneWithoutChangingObject()
    {
        var ns = await fixture.CreateNamespaceAsync("diff");
        var file = await WriteAsync(ns, "web", Deployment(ns, "nginx:1.14-alpine", full: true));
        (await _kubectl.RunAsync("apply", "-f", file)).Ok();
        var same = await _kubectl.RunAsync("diff", "-f", file);
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Equal("", same.Stdout);

        await File.WriteAllTextAsync(file, Deployment(ns, "nginx:1.15-alpine", full: true));
        var diff = await _kubectl.RunAsync("diff", "-f", file);

        Assert.True(diff.ExitCode == 1, diff.ToString());
        Assert.Matches(new Regex(@"^-\s+image: nginx:1\.14-alpine$", RegexOptions.Multiline), diff.Stdout);
        Assert.Matches(new Regex(@"^\+\s+image: nginx:1\.15-alpine$", RegexOptions.Multiline), diff.Stdout);
        Assert.Matches(new Regex(@"^-\s+generation: 1$", RegexOptions.Multiline), diff.Stdout);
        Assert.Matches(new Regex(@"^\+\s+generation: 2$", RegexOptions.Multiline), diff.Stdout);
        var web = await GetAsync(ns, "deployment/web");
        Assert.Equal(1, web.GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.Equal("nginx:1.14-alpine", web.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0].GetProperty("image").GetString());
    }

    [Fact]
    public async Task ApplyDryRunServer_NewAndChangedObjects_ChangesNothing()
    {
        var ns = await fixture.CreateNamespaceAsync("apply-dry");
        var file = await WriteAsync(ns, "web", Deployment(ns, "nginx:1.14-alpine", full: true));

        var dryCreate = (await _kubectl.RunAsync("apply", "--dry-run=server", "-f", file)).Ok();
        Assert.Equal("deployment.apps/web created (server dry run)", dryCreate.Stdout.Trim());
        var missing = await _kubectl.RunAsync("get", "deployment", "web", "-n", ns);
        Assert.Contains("Error from server (NotFound): deployments.apps \"web\" not found", missing.Stderr);

        (await _kubectl.RunAsync("apply", "-f", file)).Ok();
        var before = await GetAsync(ns, "deployment/web");
        await File.WriteAllTextAsync(file, Deployment(ns, "nginx:1.15-alpine", full: false));

        var dryChange = (await _kubectl.RunAsync("apply", "--dry-run=server", "-f", file)).Ok();

        Assert.Equal("deployment.apps/web configured (server dry run)", dryChange.Stdout.Trim());
        // Not the resourceVersion: the deployment controller keeps writing status.
        var after = await GetAsync(ns, "deployment/web");
        Assert.Equal(1, after.GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.Equal(
            before.GetProperty("metadata").GetProperty("annotations").GetProperty("kubectl.kubernetes.io/last-applied-configuration").GetString(),
            after.GetProperty("metadata").GetProperty("annotations").GetProperty("kubectl.kubernetes.io/last-applied-configuration").GetString());
        var container = after.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        Assert.Equal("nginx:1.14-alpine", container.GetProperty("image").GetString());
        Assert.Equal(2, container.GetProperty("env").GetArrayLength());
        Assert.Equal(2, container.GetProperty("ports").GetArrayLength());
    }
}
