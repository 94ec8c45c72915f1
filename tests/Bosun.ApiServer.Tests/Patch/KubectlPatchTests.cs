using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Tests.Security;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.ApiServer.Tests.Patch;

/// <summary>
/// The real kubectl 1.32 (when installed) against the in-process server: client-side apply builds its strategic merge
/// patch from our OpenAPI, server-side apply migrates the client-side-apply ownership, set image patches by merge key.
/// </summary>
public sealed class KubectlPatchTests : IAsyncLifetime
{
    private const string Kubectl132 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

    private readonly TempDirectory dir = new();
    private readonly MemoryStore storage = new();
    private ApiServerHost host = null!;

    private const string Original = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, labels: {app: web}}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - {name: web, image: "nginx:1.14-alpine", env: [{name: A, value: "1"}, {name: B, value: "2"}], ports: [{containerPort: 80}, {containerPort: 443}]}
              - {name: side, image: busybox}
              volumes: [{name: data, emptyDir: {}}]
        """;

    private const string Changed = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 3
          strategy: {type: Recreate}
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - {name: web, image: "nginx:1.15-alpine", env: [{name: B, value: "2"}], ports: [{containerPort: 80}]}
              volumes: [{name: data, hostPath: {path: /srv/data}}]
        """;

    public async Task InitializeAsync()
    {
        host = await ApiServerHost.StartAsync(new ApiServerConfig
        {
            StateDirectory = dir.Combine("server"),
            BindAddress = IPAddress.Loopback,
            Port = 0,
            KubeconfigPath = dir.Combine("admin.kubeconfig"),
        }, storage, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await storage.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task Kubectl_ClientSideApplyThenServerSideApply_PatchesByKeyAndMigratesOwnership()
    {
        if (!File.Exists(Kubectl132)) return;
        await File.WriteAllTextAsync(dir.Combine("original.yaml"), Original);
        await File.WriteAllTextAsync(dir.Combine("changed.yaml"), Changed);

        await Kubectl("apply", "-f", dir.Combine("original.yaml"));
        await Kubectl("apply", "-f", dir.Combine("changed.yaml"));
        var afterCsa = await Get();
        await Kubectl("set", "image", "deployment/web", "web=nginx:1.16");
        await Kubectl("apply", "--server-side", "--force-conflicts", "-f", dir.Combine("changed.yaml"));
        var afterSsa = await Get();

        // Server defaults (imagePullPolicy, protocol, …) come on top; the keyed merge result is what matters here.
        var podSpec = afterCsa["spec"]!["template"]!["spec"]!;
        var container = Assert.Single(podSpec["containers"]!.AsArray())!;
        Assert.Equal("web", (string)container["name"]!);
        Assert.Equal("nginx:1.15-alpine", (string)container["image"]!);
        Assert.Equal("""[{"name":"B","value":"2"}]""", container["env"]!.ToJsonString());
        Assert.Equal(80, (int)Assert.Single(container["ports"]!.AsArray())!["containerPort"]!);
        var volume = Assert.Single(podSpec["volumes"]!.AsArray())!;
        Assert.Equal("/srv/data", (string)volume["hostPath"]!["path"]!);
        Assert.Null(volume["emptyDir"]);
        Assert.Equal("""{"type":"Recreate"}""", afterCsa["spec"]!["strategy"]!.ToJsonString());
        Assert.Null(afterCsa["metadata"]!["labels"]);
        Assert.Equal("nginx:1.15-alpine", afterSsa["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        var managers = afterSsa["metadata"]!["managedFields"]!.AsArray().Select(e => (string)e!["manager"]! + "/" + (string)e["operation"]!).ToList();
        Assert.Contains("kubectl/Apply", managers);
        Assert.DoesNotContain("kubectl-client-side-apply/Update", managers);
        Assert.NotNull(afterSsa["metadata"]!["annotations"]?["kubectl.kubernetes.io/last-applied-configuration"]);
    }

    private async Task<JsonObject> Get() =>
        JsonNode.Parse(await Kubectl("get", "deployment", "web", "-o", "json", "--show-managed-fields"))!.AsObject();

    private async Task<string> Kubectl(params string[] args)
    {
        var psi = new ProcessStartInfo(Kubectl132) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--kubeconfig", dir.Combine("admin.kubeconfig"), "--cache-dir", dir.Combine("cache"), "-n", "default", .. args])
            psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = dir.Path;
        psi.Environment.Remove("KUBECONFIG");
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {await stderr}");
        return await stdout;
    }
}
