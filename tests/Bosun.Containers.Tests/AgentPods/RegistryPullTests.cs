using System.Text;
using Bosun.Agent.Images;
using Bosun.Client;
using Bosun.Testing;
using Bosun.Testing.Containers;
using k8s.Models;
using static Bosun.Containers.Tests.AgentPods.TestPods;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>
/// Pulls from a real private registry (Debian's docker-registry on loopback, htpasswd auth) through the node's
/// registries.yaml: a mirror name mapped to the registry, credentials from registries.yaml or an imagePullSecret.
/// Each test uses its own mirror name, and points that name's upstream at a closed loopback port, so a failed
/// mirror never sends containerd to DNS or the network.
/// </summary>
[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class RegistryPullTests(AgentCluster fixture) : IAsyncLifetime
{
    private const string User = "alice";
    private const string Password = "s3cret-pw";
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);
    private readonly string _mirror = $"myreg-{Guid.NewGuid().ToString("N")[..6]}.local";
    private RegistryFixture _registry = null!;

    private ApiClient Api => fixture.Cluster.Api;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    public async Task InitializeAsync()
    {
        _registry = await RegistryFixture.StartAsync(User, Password);
        var myapp = (await TestImages.TarballsAsync())[1];
        await _registry.PushAsync(myapp, "myapp:v1");
    }

    public async Task DisposeAsync()
    {
        var dir = Path.Combine(fixture.Containerd.CertsDir, _mirror);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        await _registry.DisposeAsync();
    }

    /// <summary>registries.yaml mapping the mirror name to the registry, with the given auth for the registry's host.</summary>
    private RegistriesConfig Registries(string? password)
    {
        var yaml = new StringBuilder($"mirrors:\n  \"{_mirror}\":\n    endpoint: [\"http://{_registry.Host}\"]\n");
        if (password is not null) yaml.Append($"configs:\n  \"{_registry.Host}\":\n    auth:\n      username: {User}\n      password: {password}\n");
        var config = RegistriesConfig.Parse(yaml.ToString());
        // What the agent writes for its own containerd; here the containerd is the shared fixture's.
        var toml = config.ToHostsToml()[_mirror].Replace($"server = \"https://{_mirror}\"", $"server = \"http://127.0.0.1:{ClosedPort()}\"");
        Directory.CreateDirectory(Path.Combine(fixture.Containerd.CertsDir, _mirror));
        File.WriteAllText(Path.Combine(fixture.Containerd.CertsDir, _mirror, "hosts.toml"), toml);
        return config;
    }

    private static int ClosedPort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    private V1Pod MyAppPod(string name, string node) => Pod(name, node, "Always", new V1Container
    {
        Name = "app",
        Image = $"{_mirror}/myapp:v1",
        ImagePullPolicy = "Always",
    });

    private static string? WaitingReason(V1Pod p) => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason;

    /// <summary>
    /// Waits for the pull to fail and returns the kubelet's message, from the ErrImagePull event: the waiting state
    /// shows ErrImagePull only until the next sync turns it into ImagePullBackOff, which a poll can miss.
    /// </summary>
    private async Task<string> PullFailureAsync(string name)
    {
        string? message = null;
        await TestCluster.EventuallyAsync(async () =>
        {
            var events = await Api.ListAsync<Corev1EventList>(typeof(Corev1Event), "default", ListQuery.Everything, CancellationToken.None);
            message = events.Items.FirstOrDefault(e => e.InvolvedObject.Name == name && e.Reason == "Failed" && e.Message.StartsWith("Failed to pull image", StringComparison.Ordinal))?.Message;
            return message is not null;
        }, Start, $"a failed pull of {name}");
        var pod = await WaitAsync(Api, name, p => WaitingReason(p) is "ErrImagePull" or "ImagePullBackOff", Start, "ErrImagePull or ImagePullBackOff");
        Assert.Equal("Pending", pod.Status.Phase);
        return message!;
    }

    [Fact]
    public async Task Pod_ImageOnMirroredPrivateRegistry_PulledWithRegistriesYamlAuth_RunsAndEventsNameTheNode()
    {
        var node = Unique("node");
        var registries = Registries(Password);
        await using var agent = await fixture.StartAgentAsync(node, o => o with { Registries = registries });
        var name = Unique("private");
        await CreateAsync(Api, MyAppPod(name, node));

        var running = await WaitAsync(Api, name, p => p.Status?.Phase == "Running" && IsReady(p), Start, "pod from the private registry Running");
        Assert.Equal($"{_mirror}/myapp:v1", running.Status.ContainerStatuses[0].Image);
        var events = (await Api.ListAsync<Corev1EventList>(typeof(Corev1Event), "default", ListQuery.Everything, CancellationToken.None)).Items
            .Where(e => e.InvolvedObject.Name == name).ToList();
        var pulled = Assert.Single(events, e => e.Reason == "Pulled");
        Assert.StartsWith($"Successfully pulled image \"{_mirror}/myapp:v1\"", pulled.Message);
        // The kubelet's events name their node (kubectl describe shows "kubelet, <node>" from these).
        Assert.All(events, e => Assert.Equal(("kubelet", node, node), (e.Source.Component, e.Source.Host, e.ReportingInstance)));
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Pod_WrongRegistryPassword_ErrImagePullWithTheRegistrysMessage()
    {
        var node = Unique("node");
        var registries = Registries("wrong-password");
        await using var agent = await fixture.StartAgentAsync(node, o => o with { Registries = registries });
        var name = Unique("badauth");
        await CreateAsync(Api, MyAppPod(name, node));

        var message = await PullFailureAsync(name);
        Assert.StartsWith($"Failed to pull image \"{_mirror}/myapp:v1\":", message);
        Assert.Contains("401 Unauthorized", message);
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Pod_ImagePullSecretDockerConfigJson_IsUsed_AndWithoutItThePullIsRefused()
    {
        var node = Unique("node");
        var registries = Registries(password: null);
        await using var agent = await fixture.StartAgentAsync(node, o => o with { Registries = registries });
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        var secret = Unique("regcred");
        await Api.CreateAsync("default", new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = secret },
            Type = "kubernetes.io/dockerconfigjson",
            Data = new Dictionary<string, byte[]>
            {
                [".dockerconfigjson"] = Encoding.UTF8.GetBytes($"{{\"auths\":{{\"{_mirror}\":{{\"auth\":\"{auth}\"}}}}}}"),
            },
        }, CancellationToken.None);
        try
        {
            var without = Unique("nosecret");
            await CreateAsync(Api, MyAppPod(without, node));
            var with = MyAppPod(Unique("secret"), node);
            with.Spec.ImagePullSecrets = [new V1LocalObjectReference { Name = secret }];
            await CreateAsync(Api, with);

            await WaitAsync(Api, with.Metadata.Name, p => p.Status?.Phase == "Running", Start, "pod with the pull secret Running");
            Assert.StartsWith($"Failed to pull image \"{_mirror}/myapp:v1\":", await PullFailureAsync(without));
            await DeleteAndWaitAsync(Api, without);
            await DeleteAndWaitAsync(Api, with.Metadata.Name);
        }
        finally
        {
            await Api.DeleteAsync<V1Secret>("default", secret, CancellationToken.None);
        }
    }
}
