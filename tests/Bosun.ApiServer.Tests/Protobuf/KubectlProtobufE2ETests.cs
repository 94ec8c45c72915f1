using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.ApiServer.Tests.Protobuf;

/// <summary>
/// The real kubectl 1.32 (which sends protobuf bodies for typed creates) against an in-process server:
/// every <c>kubectl create …</c> generator and <c>autoscale</c> must succeed and store what the command meant.
/// Passes trivially on machines without <c>kubectl.1.32</c>.
/// </summary>
[Trait("Category", "E2E")]
public sealed class KubectlProtobufE2ETests : IAsyncLifetime
{
    private static readonly string? Kubectl = new[] { "/usr/lib/google-cloud-sdk/bin/kubectl.1.32" }
        .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "kubectl.1.32")))
        .FirstOrDefault(File.Exists);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bosun-proto-e2e-" + Guid.NewGuid().ToString("N"));
    private ApiServerHost? _host;

    public async Task InitializeAsync()
    {
        if (Kubectl is null) return;
        var config = new ApiServerConfig
        {
            StateDirectory = _dir,
            BindAddress = IPAddress.Loopback,
            Port = 0,
            KubeconfigPath = Path.Combine(_dir, "admin.kubeconfig"),
        };
        _host = await ApiServerHost.StartAsync(config, new MemoryStore(), NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task KubectlCreate_TypedGenerators_StoreTheObjects()
    {
        if (Kubectl is null) return;
        string[][] commands =
        [
            ["create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=3"],
            ["create", "configmap", "cfg", "--from-literal=a=1"],
            ["create", "secret", "generic", "sec", "--from-literal=user=admin"],
            ["create", "service", "nodeport", "web", "--tcp=80:8080"],
            ["create", "namespace", "team-a"],
            ["create", "job", "pi", "--image=perl:5.34", "--", "perl", "-wle", "print"],
            ["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"],
            ["create", "quota", "q1", "--hard=cpu=1,memory=1Gi,pods=10"],
            ["create", "ingress", "web", "--class=nginx", "--rule=foo.com/bar*=svc1:8080,tls=my-cert"],
            ["create", "pdb", "pdb1", "--selector=app=web", "--min-available=50%"],
            ["create", "serviceaccount", "robot"],
            ["create", "priorityclass", "high", "--value=1000"],
            ["create", "role", "reader", "--verb=get,list", "--resource=pods"],
            ["create", "rolebinding", "rb", "--role=reader", "--user=alice"],
            ["create", "clusterrole", "cr", "--verb=get", "--resource=nodes"],
            ["create", "clusterrolebinding", "crb", "--clusterrole=cr", "--user=bob"],
            ["autoscale", "deployment", "myapp", "--min=2", "--max=5", "--cpu-percent=80"],
        ];
        foreach (var command in commands)
        {
            var (code, output, errors) = await RunAsync(command);
            Assert.True(code == 0, $"kubectl {string.Join(' ', command)} exited {code}: {output}{errors}");
        }

        var deployment = await GetJsonAsync("deployment", "myapp");
        Assert.Equal(3, deployment["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("ikubernetes/myapp:v1", deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        var service = await GetJsonAsync("service", "web");
        Assert.Equal(8080, service["spec"]!["ports"]![0]!["targetPort"]!.GetValue<int>());
        var ingress = await GetJsonAsync("ingress", "web");
        Assert.Equal("foo.com", ingress["spec"]!["rules"]![0]!["host"]!.GetValue<string>());
        Assert.NotNull(ingress["spec"]!["rules"]![0]!["http"]);
        var pdb = await GetJsonAsync("pdb", "pdb1");
        Assert.Equal("50%", pdb["spec"]!["minAvailable"]!.GetValue<string>());
        var hpa = await GetJsonAsync("hpa.v1.autoscaling", "myapp");
        Assert.Equal(2, hpa["spec"]!["minReplicas"]!.GetValue<int>());
    }

    private async Task<JsonObject> GetJsonAsync(string resource, string name)
    {
        var (code, output, errors) = await RunAsync(["get", resource, name, "-o", "json"]);
        Assert.True(code == 0, errors);
        return JsonNode.Parse(output)!.AsObject();
    }

    private async Task<(int Code, string Output, string Errors)> RunAsync(string[] args)
    {
        var start = new ProcessStartInfo(Kubectl!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["KUBECONFIG"] = Path.Combine(_dir, "admin.kubeconfig"), ["HOME"] = _dir },
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
