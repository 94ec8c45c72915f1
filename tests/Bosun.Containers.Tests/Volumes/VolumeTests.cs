using System.Text;
using Bosun.Agent;
using Bosun.Agent.Storage;
using Bosun.Client;
using Bosun.Containers.Tests.AgentPods;
using Bosun.Controllers;
using Bosun.Cri.V1;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using static Bosun.Containers.Tests.AgentPods.TestPods;

namespace Bosun.Containers.Tests.Volumes;

/// <summary>
/// Volumes seen from inside real containers: the agent with the real volume manager on the shared containerd.
/// </summary>
[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class VolumeTests(AgentCluster fixture)
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => CancellationToken.None;
    private ApiClient Api => fixture.Cluster.Api;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    private async Task<string> ExecAsync(V1Pod pod, string container, params string[] cmd)
    {
        var id = pod.Status.ContainerStatuses.Single(c => c.Name == container).ContainerID["containerd://".Length..];
        var request = new ExecSyncRequest { ContainerId = id, Timeout = 10 };
        request.Cmd.AddRange(cmd);
        var r = await fixture.Containerd.Cri.Runtime.ExecSyncAsync(request);
        return r.Stdout.ToStringUtf8();
    }

    private Task<V1Pod> RunningAsync(string name) =>
        WaitAsync(Api, name, p => p.Status?.Phase == "Running" && IsReady(p), Start, "pod Running and Ready");

    [Fact]
    public async Task Pod_ConfigMapAndSecret_SeenAsFilesAndEnvAndServiceAccountVolume()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var cm = Unique("cfg");
        var secret = Unique("sec");
        await Api.CreateAsync("default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = cm }, Data = new Dictionary<string, string> { ["greeting"] = "hello" } }, Ct);
        await Api.CreateAsync("default", new V1Secret { Metadata = new V1ObjectMeta { Name = secret }, Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes("s3cret") } }, Ct);
        var name = Unique("vols");
        var c = Busybox("app", "sleep 3600");
        c.Env = [new V1EnvVar { Name = "GREETING", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = cm, Key = "greeting" } } }];
        c.VolumeMounts = [new V1VolumeMount { Name = "cfg", MountPath = "/etc/cfg" }, new V1VolumeMount { Name = "sec", MountPath = "/etc/sec", ReadOnlyProperty = true }];
        var pod = Pod(name, node, "Always", c);
        pod.Spec.Volumes =
        [
            new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = cm } },
            new V1Volume { Name = "sec", Secret = new V1SecretVolumeSource { SecretName = secret, DefaultMode = 0b100_000_000 } },
        ];
        await CreateAsync(Api, pod);

        var running = await RunningAsync(name);

        Assert.Equal("hello", await ExecAsync(running, "app", "cat", "/etc/cfg/greeting"));
        Assert.Equal("s3cret", await ExecAsync(running, "app", "cat", "/etc/sec/password"));
        Assert.Equal("hello\n", await ExecAsync(running, "app", "sh", "-c", "echo $GREETING"));
        Assert.Contains("tmpfs", await ExecAsync(running, "app", "sh", "-c", "grep ' /etc/sec ' /proc/mounts"));
        Assert.Equal("default", await ExecAsync(running, "app", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace"));
        Assert.Equal(3, (await ExecAsync(running, "app", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token")).Split('.').Length);
        Assert.Contains("BEGIN CERTIFICATE", await ExecAsync(running, "app", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"));
        await DeleteAndWaitAsync(Api, name);
        Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), l => l.Contains(running.Metadata.Uid, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pod_EmptyDir_SharedByTwoContainers()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("shared");
        var writer = Busybox("writer", "echo from-writer > /shared/note; sleep 3600");
        var reader = Busybox("reader", "sleep 3600");
        writer.VolumeMounts = [new V1VolumeMount { Name = "shared", MountPath = "/shared" }];
        reader.VolumeMounts = [new V1VolumeMount { Name = "shared", MountPath = "/shared" }];
        var pod = Pod(name, node, "Always", writer, reader);
        pod.Spec.Volumes = [new V1Volume { Name = "shared", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("16Mi") } }];
        await CreateAsync(Api, pod);

        var running = await RunningAsync(name);
        await TestCluster.EventuallyAsync(async () => await ExecAsync(running, "reader", "cat", "/shared/note") == "from-writer\n", TimeSpan.FromSeconds(10));
        await DeleteAndWaitAsync(Api, name);
    }

    [Fact]
    public async Task Pod_LocalPathClaim_KeepsAFileAcrossDeletingAndRecreatingThePod()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        using var stop = new CancellationTokenSource();
        var loggers = NullLoggerFactory.Instance;
        var storage = Task.WhenAll(
            new ControllerManager(Api, loggers, TimeProvider.System, "test").RunControllersAsync(stop.Token),
            new Scheduler.Scheduler(Api, loggers).RunSchedulingAsync(stop.Token),
            new LocalPathProvisioner(Api, node, new AgentPaths(fixture.Containerd.DataDir), loggers, TimeProvider.System).RunAsync(stop.Token));
        try
        {
            var claim = Unique("data");
            await Api.CreateAsync("default", new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = claim },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("100Mi") } },
                },
            }, Ct);
            V1Pod PodWithClaim(string name)
            {
                var c = Busybox("app", "sleep 3600");
                c.VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }];
                var p = Pod(name, node, "Always", c);
                p.Spec.NodeName = null;   // the scheduler places it, which tells the provisioner where
                p.Spec.NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = node };
                p.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }];
                return p;
            }

            var first = Unique("pvc-a");
            await CreateAsync(Api, PodWithClaim(first));
            var running = await RunningAsync(first);
            await ExecAsync(running, "app", "sh", "-c", "echo persisted > /data/file");
            await DeleteAndWaitAsync(Api, first);

            var second = Unique("pvc-b");
            await CreateAsync(Api, PodWithClaim(second));
            var again = await RunningAsync(second);
            Assert.Equal("persisted\n", await ExecAsync(again, "app", "cat", "/data/file"));
            await DeleteAndWaitAsync(Api, second);

            var bound = await Api.GetAsync<V1PersistentVolumeClaim>("default", claim, Ct);
            var dir = (await Api.GetAsync<V1PersistentVolume>(null, bound.Spec.VolumeName, Ct)).Spec.HostPath.Path;
            await Api.DeleteAsync<V1PersistentVolumeClaim>("default", claim, Ct);
            await TestCluster.EventuallyAsync(async () => await Api.TryGetAsync<V1PersistentVolume>(null, bound.Spec.VolumeName, Ct) is null,
                TimeSpan.FromSeconds(30), "volume deleted");
            Assert.False(Directory.Exists(dir));
        }
        finally
        {
            await stop.CancelAsync();
            try { await storage; } catch (OperationCanceledException) { }
        }
    }
}
