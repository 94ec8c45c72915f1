using k8s;
using k8s.Models;

namespace Bosun.Client.Tests;

/// <summary>
/// ModelJson must write exactly what KubernetesJson writes: the agent hashes container specs from this text (a different
/// text after an upgrade would restart every container) and compares status texts to skip writes.
/// </summary>
public sealed class ModelJsonTests
{
    private static V1Pod RichPod() => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = "web",
            NamespaceProperty = "default",
            Uid = "0f0e0d0c-1111-2222-3333-444455556666",
            Labels = new Dictionary<string, string> { ["app"] = "web" },
            CreationTimestamp = new DateTime(2026, 11, 26, 7, 0, 0, DateTimeKind.Utc),
            DeletionTimestamp = new DateTime(2026, 11, 26, 7, 0, 1, 250, DateTimeKind.Utc),
        },
        Spec = new V1PodSpec
        {
            NodeName = "n1",
            TerminationGracePeriodSeconds = 30,
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Image = "busybox:latest",
                    Command = ["sh", "-c", "sleep 3600"],
                    Env = [new V1EnvVar { Name = "A", Value = "1" }, new V1EnvVar { Name = "B", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } }],
                    Ports = [new V1ContainerPort { ContainerPort = 80, Name = "http", Protocol = "TCP" }],
                    Resources = new V1ResourceRequirements
                    {
                        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("64Mi") },
                    },
                    ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = "http", Path = "/" }, PeriodSeconds = 1 },
                    LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 80 } },
                },
            ],
            Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("1Gi") } }],
        },
        Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = "10.244.0.5",
            StartTime = new DateTime(2026, 11, 26, 7, 0, 0, DateTimeKind.Utc),
            Conditions = [new V1PodCondition { Status = "True", Type = "Ready", LastTransitionTime = new DateTime(2026, 11, 26, 7, 0, 2, DateTimeKind.Utc) }],
            ContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Image = "busybox:latest", ImageID = "sha256:ab", Name = "app", Ready = true, RestartCount = 2, Started = true, ContainerID = "containerd://c1",
                    State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = new DateTime(2026, 11, 26, 7, 0, 1, DateTimeKind.Utc) } },
                    LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, Reason = "Error" } },
                },
            ],
        },
    };

    [Fact]
    public void Serialize_PodWithSpecAndStatus_WritesTheSameTextAsKubernetesJson()
    {
        var pod = RichPod();

        Assert.Equal(KubernetesJson.Serialize(pod), ModelJson.Serialize(pod));
        Assert.Equal(KubernetesJson.Serialize(pod.Spec.Containers[0]), ModelJson.Serialize(pod.Spec.Containers[0]));
    }

    [Fact]
    public void Deserialize_KubernetesJsonText_RoundTripsToTheSameText()
    {
        var text = KubernetesJson.Serialize(RichPod());

        var pod = ModelJson.Deserialize<V1Pod>(text);

        Assert.Equal("http", pod.Spec.Containers[0].ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("64Mi", pod.Spec.Containers[0].Resources.Limits["memory"].ToString());
        Assert.Equal(new DateTime(2026, 11, 26, 7, 0, 1, 250, DateTimeKind.Utc), pod.Metadata.DeletionTimestamp);
        Assert.Equal(text, ModelJson.Serialize(pod));
    }

    [Fact]
    public void Deserialize_StatusError_ReadsCodeReasonAndMessage()
    {
        var status = ModelJson.Deserialize<V1Status>(
            """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}""");

        Assert.Equal(404, status.Code);
        Assert.Equal("NotFound", status.Reason);
        Assert.Equal("pods \"x\" not found", status.Message);
        Assert.Equal("x", status.Details.Name);
    }

    [Fact]
    public void Serialize_ModelPatch_UsesCamelCaseAndOmitsNulls()
    {
        var json = ModelJson.Serialize(new V1Lease { Spec = new V1LeaseSpec { HolderIdentity = "n1", LeaseDurationSeconds = 40 } });

        Assert.Equal("""{"spec":{"holderIdentity":"n1","leaseDurationSeconds":40}}""", json);
    }

    [Fact]
    public void Serialize_AnonymousType_IsRefusedBecauseTheNativeBuildWouldWriteItAsAnEmptyObject()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelJson.Serialize(new { spec = new V1LeaseSpec { HolderIdentity = "n1" } }));

        Assert.Contains("anonymous types", e.Message);
    }

    [Fact]
    public void Options_AgentKinds_ComeFromTheGeneratedContextAndOthersFromReflection()
    {
        Assert.IsType<ModelJsonContext>(ModelJson.Options.GetTypeInfo(typeof(V1Pod)).OriginatingResolver);
        Assert.IsType<ModelJsonContext>(ModelJson.Options.GetTypeInfo(typeof(ListResponse<V1Secret>)).OriginatingResolver);
        Assert.IsNotType<ModelJsonContext>(ModelJson.Options.GetTypeInfo(typeof(V1Deployment)).OriginatingResolver);
    }
}
