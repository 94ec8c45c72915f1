using System.Text;
using Bosun.Agent.Volumes;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Agent.Tests.Volumes;

/// <summary>The volume manager against a real API server (objects read with GETs), writing under a temp data dir.</summary>
public sealed class VolumeManagerTests : IAsyncLifetime
{
    private readonly TempDir dataDir = new();
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private TestCluster cluster = null!;
    private VolumeManager manager = null!;
    private readonly CancellationToken ct = CancellationToken.None;

    public async Task InitializeAsync()
    {
        cluster = await TestCluster.StartAsync();
        manager = new VolumeManager(new AgentPaths(dataDir.Path), new ApiVolumeObjects(cluster.Api), new FixedTokens(), time,
            NullLogger<VolumeManager>.Instance);
    }

    public async Task DisposeAsync()
    {
        foreach (var uid in Directory.Exists(Path.Combine(dataDir.Path, "agent", "pods")) ? Directory.GetDirectories(Path.Combine(dataDir.Path, "agent", "pods")) : [])
            await manager.TearDownAsync(Path.GetFileName(uid), ct);
        await cluster.DisposeAsync();
        dataDir.Dispose();
    }

    private sealed class FixedTokens : ITokenSource
    {
        public int Calls;

        public Task<string> GetTokenAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken ct)
        {
            Calls++;
            return Task.FromResult($"token-for-{pod.Metadata.Name}-{Calls}");
        }
    }

    private static V1Pod Pod(params V1Volume[] volumes) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "web", NamespaceProperty = "default", Uid = Guid.NewGuid().ToString(),
            Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" },
            Annotations = new Dictionary<string, string> { ["note"] = "say \"hi\"" },
        },
        Spec = new V1PodSpec
        {
            ServiceAccountName = "default",
            Containers =
            [
                new V1Container
                {
                    Name = "app", Image = "busybox",
                    Resources = new V1ResourceRequirements
                    {
                        Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("64Mi"), ["cpu"] = new("500m") },
                    },
                },
            ],
            Volumes = volumes,
        },
    };

    /// <summary>The API server publishes <c>kube-root-ca.crt</c> into every namespace itself; waits for it and returns its CA.</summary>
    private async Task<string> PublishedRootCaAsync()
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); ; await Task.Delay(50, ct))
        {
            if (await cluster.Api.TryGetAsync<V1ConfigMap>("default", "kube-root-ca.crt", ct) is { } cm) return cm.Data["ca.crt"];
            if (DateTime.UtcNow > deadline) throw new TimeoutException("kube-root-ca.crt was not published in default");
        }
    }

    private Task CreateConfigMapAsync(string name, Dictionary<string, string> data) =>
        cluster.Api.CreateAsync("default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = data }, ct);

    [Fact]
    public async Task SetUp_ConfigMapWithItemsAndModes_WritesChosenKeys()
    {
        await CreateConfigMapAsync("cfg", new() { ["a"] = "A", ["b"] = "B" });
        var pod = Pod(new V1Volume
        {
            Name = "config",
            ConfigMap = new V1ConfigMapVolumeSource
            {
                Name = "cfg", DefaultMode = 0b100_100_100,
                Items = [new V1KeyToPath { Key = "a", Path = "dir/a.txt" }, new V1KeyToPath { Key = "b", Path = "b", Mode = 0b110_000_000 }],
            },
        });

        var paths = await manager.SetUpAsync(pod, ct);

        var dir = paths["config"];
        Assert.Equal(Path.Combine(dataDir.Path, "agent", "pods", pod.Metadata.Uid, "volumes", "kubernetes.io~configmap", "config"), dir);
        Assert.Equal("A", File.ReadAllText(Path.Combine(dir, "dir", "a.txt")));
        Assert.Equal("B", File.ReadAllText(Path.Combine(dir, "b")));
        Assert.Equal((UnixFileMode)0b100_100_100, File.GetUnixFileMode(Path.Combine(dir, "..data", "dir", "a.txt")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(dir, "..data", "b")));
    }

    [Fact]
    public async Task Refresh_AfterConfigMapUpdate_PropagatesNewContent()
    {
        await CreateConfigMapAsync("cfg", new() { ["k"] = "v1" });
        var pod = Pod(new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "cfg" } });
        var dir = (await manager.SetUpAsync(pod, ct))["config"];
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(Path.Combine(dir, "..data", "k")));
        var cm = await cluster.Api.GetAsync<V1ConfigMap>("default", "cfg", ct);
        cm.Data["k"] = "v2";
        await cluster.Api.UpdateAsync("default", "cfg", cm, ct);

        await manager.ObjectChangedAsync("ConfigMap", "default", "cfg", ct);

        Assert.Equal("v2", File.ReadAllText(Path.Combine(dir, "k")));
    }

    [Fact]
    public async Task Watcher_ConfigMapUpdated_RewritesTheVolumeWithoutAResync()
    {
        await CreateConfigMapAsync("cfg", new() { ["k"] = "one" });
        var pod = Pod(new V1Volume { Name = "c", ConfigMap = new V1ConfigMapVolumeSource { Name = "cfg" } });
        var dir = (await manager.SetUpAsync(pod, ct))["c"];
        using var stop = new CancellationTokenSource();
        var watcher = new VolumeObjectWatcher(cluster.Api, manager, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, time);
        var running = watcher.RunAsync(stop.Token);
        await watcher.WaitForSyncAsync(ct);

        var cm = await cluster.Api.GetAsync<V1ConfigMap>("default", "cfg", ct);
        cm.Data["k"] = "two";
        await cluster.Api.UpdateAsync("default", "cfg", cm, ct);

        await TestCluster.EventuallyAsync(() => Task.FromResult(File.ReadAllText(Path.Combine(dir, "k")) == "two"), TimeSpan.FromSeconds(10), "volume updated");
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task SetUp_MissingConfigMap_FailsWithKubeletMessageUnlessOptional()
    {
        var pod = Pod(new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "nope" } });

        var e = await Assert.ThrowsAsync<VolumeSetupException>(() => manager.SetUpAsync(pod, ct));

        Assert.Equal("MountVolume.SetUp failed for volume \"config\" : configmap \"nope\" not found", e.Message);
        var optional = Pod(new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "nope", Optional = true } });
        var dir = (await manager.SetUpAsync(optional, ct))["config"];
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public async Task SetUp_MissingKeyInItems_FailsWithKubeletMessage()
    {
        await CreateConfigMapAsync("cfg", new() { ["a"] = "A" });
        var pod = Pod(new V1Volume { Name = "c", ConfigMap = new V1ConfigMapVolumeSource { Name = "cfg", Items = [new V1KeyToPath { Key = "zz", Path = "zz" }] } });

        var e = await Assert.ThrowsAsync<VolumeSetupException>(() => manager.SetUpAsync(pod, ct));

        Assert.EndsWith("configmap references non-existent config key: zz", e.Message);
    }

    [Fact]
    public async Task SetUp_DownwardApi_WritesLabelsAnnotationsIdentityAndResources()
    {
        var pod = Pod(new V1Volume
        {
            Name = "info",
            DownwardAPI = new V1DownwardAPIVolumeSource
            {
                Items =
                [
                    new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } },
                    new V1DownwardAPIVolumeFile { Path = "annotations", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.annotations" } },
                    new V1DownwardAPIVolumeFile { Path = "name", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } },
                    new V1DownwardAPIVolumeFile { Path = "ns", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } },
                    new V1DownwardAPIVolumeFile { Path = "uid", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.uid" } },
                    new V1DownwardAPIVolumeFile { Path = "tier", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels['tier']" } },
                    new V1DownwardAPIVolumeFile
                    {
                        Path = "mem", ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "app", Resource = "limits.memory", Divisor = new ResourceQuantity("1Mi") },
                    },
                    new V1DownwardAPIVolumeFile
                    {
                        Path = "cpu", ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "app", Resource = "limits.cpu", Divisor = new ResourceQuantity("1m") },
                    },
                ],
            },
        });

        var dir = (await manager.SetUpAsync(pod, ct))["info"];

        Assert.Equal("app=\"web\"\ntier=\"front\"", File.ReadAllText(Path.Combine(dir, "labels")));
        Assert.Equal("note=\"say \\\"hi\\\"\"", File.ReadAllText(Path.Combine(dir, "annotations")));
        Assert.Equal("web", File.ReadAllText(Path.Combine(dir, "name")));
        Assert.Equal("default", File.ReadAllText(Path.Combine(dir, "ns")));
        Assert.Equal(pod.Metadata.Uid, File.ReadAllText(Path.Combine(dir, "uid")));
        Assert.Equal("front", File.ReadAllText(Path.Combine(dir, "tier")));
        Assert.Equal("64", File.ReadAllText(Path.Combine(dir, "mem")));
        Assert.Equal("500", File.ReadAllText(Path.Combine(dir, "cpu")));
    }

    [Fact]
    public async Task SetUp_HostPathDirectoryOrCreate_ReturnsTheHostPath()
    {
        var host = Path.Combine(dataDir.Path, "host", "logs");
        var pod = Pod(new V1Volume { Name = "h", HostPath = new V1HostPathVolumeSource { Path = host, Type = "DirectoryOrCreate" } });

        var paths = await manager.SetUpAsync(pod, ct);

        Assert.Equal(host, paths["h"]);
        Assert.True(Directory.Exists(host));
    }

    [Fact]
    public async Task SetUp_HostPathWrongType_FailsWithKubeletMessage()
    {
        var pod = Pod(new V1Volume { Name = "h", HostPath = new V1HostPathVolumeSource { Path = "/dev/null", Type = "Directory" } });

        var e = await Assert.ThrowsAsync<VolumeSetupException>(() => manager.SetUpAsync(pod, ct));

        Assert.Equal("MountVolume.SetUp failed for volume \"h\" : hostPath type check failed: /dev/null is not a directory", e.Message);
    }

    [Fact]
    public async Task SetUp_EmptyDir_IsOneDirectoryForTheWholePodWritableByAll()
    {
        var pod = Pod(new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() });

        var first = (await manager.SetUpAsync(pod, ct))["scratch"];
        File.WriteAllText(Path.Combine(first, "shared"), "x");
        var again = (await manager.SetUpAsync(pod, ct))["scratch"];

        Assert.Equal(first, again);
        Assert.True(File.Exists(Path.Combine(again, "shared")));
        Assert.Equal((UnixFileMode)0b111_111_111, File.GetUnixFileMode(first));
        await manager.TearDownAsync(pod.Metadata.Uid, ct);
        Assert.False(Directory.Exists(first));
    }

    [Fact]
    public async Task SetUp_UnboundClaim_FailsUntilBoundThenReturnsTheVolumePath()
    {
        await cluster.Api.CreateAsync("default", new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "data" },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"], StorageClassName = "",
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
            },
        }, ct);
        var pod = Pod(new V1Volume { Name = "d", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } });

        var e = await Assert.ThrowsAsync<VolumeSetupException>(() => manager.SetUpAsync(pod, ct));
        Assert.Equal("MountVolume.SetUp failed for volume \"d\" : error processing PVC default/data: PVC is not bound", e.Message);

        var hostDir = Path.Combine(dataDir.Path, "pv1");
        Directory.CreateDirectory(hostDir);
        var claim = await cluster.Api.GetAsync<V1PersistentVolumeClaim>("default", "data", ct);
        await cluster.Api.CreateAsync<V1PersistentVolume>(null, new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = "pv1" },
            Spec = new V1PersistentVolumeSpec
            {
                AccessModes = ["ReadWriteOnce"], Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                HostPath = new V1HostPathVolumeSource { Path = hostDir },
                ClaimRef = new V1ObjectReference { NamespaceProperty = "default", Name = "data", Uid = claim.Metadata.Uid },
            },
        }, ct);
        claim.Spec.VolumeName = "pv1";
        claim = await cluster.Api.UpdateAsync("default", "data", claim, ct);
        claim.Status = new V1PersistentVolumeClaimStatus { Phase = "Bound" };
        await cluster.Api.UpdateStatusAsync("default", "data", claim, ct);

        Assert.Equal(hostDir, (await manager.SetUpAsync(pod, ct))["d"]);
    }

    [Fact]
    public async Task SetUp_MissingClaim_FailsWithNotFound()
    {
        var pod = Pod(new V1Volume { Name = "d", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "none" } });

        var e = await Assert.ThrowsAsync<VolumeSetupException>(() => manager.SetUpAsync(pod, ct));

        Assert.Contains("persistentvolumeclaims \"none\" not found", e.Message);
    }

    [RootFact]
    public async Task SetUp_ProjectedServiceAccount_WritesTokenCaAndNamespaceOnTmpfs()
    {
        var ca = await PublishedRootCaAsync();
        var pod = Pod(new V1Volume
        {
            Name = "kube-api-access-abcde",
            Projected = new V1ProjectedVolumeSource
            {
                DefaultMode = 0b110_100_100,
                Sources =
                [
                    new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3607 } },
                    new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "kube-root-ca.crt", Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } },
                    new V1VolumeProjection
                    {
                        DownwardAPI = new V1DownwardAPIProjection
                        {
                            Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.namespace" } }],
                        },
                    },
                ],
            },
        });

        var dir = (await manager.SetUpAsync(pod, ct))["kube-api-access-abcde"];
        await manager.RefreshAsync(ct);   // within the token's lifetime: the same token, nothing rewritten

        Assert.Equal("token-for-web-1", File.ReadAllText(Path.Combine(dir, "token")));
        Assert.Equal(ca, File.ReadAllText(Path.Combine(dir, "ca.crt")));
        Assert.Equal("default", File.ReadAllText(Path.Combine(dir, "namespace")));
        Assert.Contains(dir, MountTable.MountPoints());
        time.Advance(TimeSpan.FromSeconds(3607 * 0.8 + 1));
        await manager.RefreshAsync(ct);
        Assert.Equal("token-for-web-2", File.ReadAllText(Path.Combine(dir, "token")));

        await manager.TearDownAsync(pod.Metadata.Uid, ct);
        Assert.DoesNotContain(dir, MountTable.MountPoints());
        Assert.False(Directory.Exists(dir));
    }

    [RootFact]
    public async Task SetUp_ProjectedTokenFromTokenRequestApi_WritesAPodBoundJwt()
    {
        await cluster.Api.CreateAsync("default", new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default" } }, ct);
        var ca = await PublishedRootCaAsync();
        var created = await cluster.Api.CreateAsync("default", new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox" }] },
        }, ct);
        var real = new VolumeManager(new AgentPaths(dataDir.Path), new ApiVolumeObjects(cluster.Api), new ApiVolumeObjects(cluster.Api), time,
            NullLogger<VolumeManager>.Instance);

        // The API server's ServiceAccount admission added the kube-api-access volume; set it up as the agent would.
        var volume = created.Spec.Volumes.Single(v => v.Name.StartsWith("kube-api-access-", StringComparison.Ordinal));
        var dir = (await real.SetUpAsync(created, ct))[volume.Name];

        var token = File.ReadAllText(Path.Combine(dir, "token"));
        Assert.Equal(3, token.Split('.').Length);
        Assert.Equal(ca, File.ReadAllText(Path.Combine(dir, "ca.crt")));
        Assert.Equal("default", File.ReadAllText(Path.Combine(dir, "namespace")));
        await real.TearDownAsync(created.Metadata.Uid, ct);
        Assert.Empty(MountTable.Under(real.VolumesDir(created.Metadata.Uid)));
    }

    [RootFact]
    public async Task SetUp_SecretVolume_IsOnTmpfsAndTearDownUnmountsIt()
    {
        await cluster.Api.CreateAsync("default", new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "creds" },
            Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes("s3cret") },
        }, ct);
        var pod = Pod(new V1Volume { Name = "creds", Secret = new V1SecretVolumeSource { SecretName = "creds", DefaultMode = 0b100_000_000 } });

        var dir = (await manager.SetUpAsync(pod, ct))["creds"];

        Assert.Equal("s3cret", File.ReadAllText(Path.Combine(dir, "password")));
        Assert.Equal((UnixFileMode)0b100_000_000, File.GetUnixFileMode(Path.Combine(dir, "..data", "password")));
        var mount = File.ReadLines("/proc/self/mountinfo").Single(l => l.Split(' ')[4] == dir);
        Assert.Contains(" - tmpfs ", mount);
        await manager.TearDownAsync(pod.Metadata.Uid, ct);
        Assert.Empty(MountTable.Under(manager.VolumesDir(pod.Metadata.Uid)));
        Assert.False(Directory.Exists(manager.VolumesDir(pod.Metadata.Uid)));
    }

    [RootFact]
    public async Task SetUp_MemoryEmptyDir_MountsTmpfsWithSizeLimit()
    {
        var pod = Pod(new V1Volume { Name = "cache", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("8Mi") } });

        var dir = (await manager.SetUpAsync(pod, ct))["cache"];

        var mount = File.ReadLines("/proc/self/mountinfo").Single(l => l.Split(' ')[4] == dir);
        Assert.Contains(" - tmpfs ", mount);
        Assert.Contains("size=8192k", mount);
        await manager.TearDownAsync(pod.Metadata.Uid, ct);
        Assert.Empty(MountTable.Under(manager.VolumesDir(pod.Metadata.Uid)));
    }
}
