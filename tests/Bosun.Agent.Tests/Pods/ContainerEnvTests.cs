using Bosun.Agent.Pods;
using k8s.Models;
using static Bosun.Agent.Tests.Pods.PodFixtures;

namespace Bosun.Agent.Tests.Pods;

public sealed class ContainerEnvTests
{
    [Theory]
    [InlineData("$(A)", "a")]
    [InlineData("x$(A)y$(B)", "xaybee")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$$$(A)", "$a")]
    [InlineData("$(MISSING)", "$(MISSING)")]
    [InlineData("$(A", "$(A")]
    [InlineData("$A", "$A")]
    [InlineData("100$", "100$")]
    public void Expand_Variables_FollowsKubernetesRules(string input, string expected)
    {
        var vars = new Dictionary<string, string> { ["A"] = "a", ["B"] = "bee" };
        Assert.Equal(expected, EnvExpansion.Expand(input, k => vars.GetValueOrDefault(k)));
    }

    private static EnvSources Sources(Dictionary<string, string>? cm = null, Dictionary<string, string>? secret = null) => new(
        new Dictionary<string, IReadOnlyDictionary<string, string>?> { ["cfg"] = cm },
        new Dictionary<string, IReadOnlyDictionary<string, string>?> { ["sec"] = secret });

    [Fact]
    public void Build_LiteralsRefsAndDownwardApi_InOrderWithExpansion()
    {
        var pod = Pod();
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "fe" };
        pod.Spec.ServiceAccountName = "default";
        var c = pod.Spec.Containers[0];
        c.EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "cfg" }, Prefix = "CFG_" }];
        c.Env =
        [
            new V1EnvVar { Name = "FIRST", Value = "one" },
            new V1EnvVar { Name = "SECOND", Value = "$(FIRST)-two-$$(FIRST)" },
            new V1EnvVar { Name = "KEY", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "cfg", Key = "k" } } },
            new V1EnvVar { Name = "PASS", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "sec", Key = "p" } } },
            new V1EnvVar { Name = "POD", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new V1EnvVar { Name = "IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
            new V1EnvVar { Name = "TIER", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels['tier']" } } },
            new V1EnvVar { Name = "SA", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.serviceAccountName" } } },
        ];
        var env = ContainerEnv.Build(pod, c, Sources(new() { ["k"] = "v", ["bad key"] = "x" }, new() { ["p"] = "s3cret" }), "10.88.0.5", "192.0.2.1", null)
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("v", env["CFG_k"]);
        Assert.False(env.ContainsKey("CFG_bad key"));
        Assert.Equal("one-two-$(FIRST)", env["SECOND"]);
        Assert.Equal("v", env["KEY"]);
        Assert.Equal("s3cret", env["PASS"]);
        Assert.Equal("web", env["POD"]);
        Assert.Equal("10.88.0.5", env["IP"]);
        Assert.Equal("fe", env["TIER"]);
        Assert.Equal("default", env["SA"]);
    }

    [Fact]
    public void Build_MissingKey_ThrowsConfigErrorWithKubeletMessage()
    {
        var pod = Pod();
        pod.Spec.Containers[0].Env = [new V1EnvVar { Name = "X", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "cfg", Key = "nope" } } }];
        var e = Assert.Throws<ContainerConfigException>(() => ContainerEnv.Build(pod, pod.Spec.Containers[0], Sources(new() { ["k"] = "v" }), "", "", null));
        Assert.Equal("couldn't find key nope in ConfigMap default/cfg", e.Message);
    }

    [Fact]
    public void Build_MissingOptionalRefs_AreSkipped()
    {
        var pod = Pod();
        pod.Spec.Containers[0].Env = [new V1EnvVar { Name = "X", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "absent", Key = "k", Optional = true } } }];
        Assert.Empty(ContainerEnv.Build(pod, pod.Spec.Containers[0], Sources(), "", "", null));
    }

    [Fact]
    public void Build_ResourceFieldRef_RoundsUpByDivisorAndFallsBackToNode()
    {
        var pod = Pod();
        var c = pod.Spec.Containers[0];
        c.Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("64Mi") }, Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m") } };
        c.Env =
        [
            new V1EnvVar { Name = "MEM", ValueFrom = new V1EnvVarSource { ResourceFieldRef = new V1ResourceFieldSelector { Resource = "limits.memory", Divisor = new ResourceQuantity("1Mi") } } },
            new V1EnvVar { Name = "CPU_REQ", ValueFrom = new V1EnvVarSource { ResourceFieldRef = new V1ResourceFieldSelector { Resource = "requests.cpu", Divisor = new ResourceQuantity("1m") } } },
            new V1EnvVar { Name = "CPU_LIM", ValueFrom = new V1EnvVarSource { ResourceFieldRef = new V1ResourceFieldSelector { Resource = "limits.cpu" } } },
        ];
        var env = ContainerEnv.Build(pod, c, EnvSources.None, "", "", new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2") }).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("64", env["MEM"]);
        Assert.Equal("250", env["CPU_REQ"]);
        Assert.Equal("2", env["CPU_LIM"]);
    }
}
