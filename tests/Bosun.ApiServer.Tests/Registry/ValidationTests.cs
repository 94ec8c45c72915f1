using Bosun.ApiServer.Errors;
using static Bosun.ApiServer.Tests.Registry.StoreFixture;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class ValidationTests : IAsyncLifetime
{
    private StoreFixture f = null!;

    public async Task InitializeAsync() => f = await StartAsync();

    public async Task DisposeAsync() => await f.Storage.DisposeAsync();

    private async Task<ApiException> Rejected(string group, string resource, string json)
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => f.CreateAsync(group, resource, json));
        Assert.Equal(422, e.Code);
        return e;
    }

    [Theory]
    [InlineData("""{"containers":[]}""", "spec.containers: Required value")]
    [InlineData("""{"containers":[{"image":"nginx"}]}""", "spec.containers[0].name: Required value")]
    [InlineData("""{"containers":[{"name":"c"}]}""", "spec.containers[0].image: Required value")]
    [InlineData("""{"containers":[{"name":"c","image":"i"},{"name":"c","image":"i"}]}""", "spec.containers[1].name: Duplicate value: \"c\"")]
    [InlineData("""{"containers":[{"name":"Web_1","image":"i"}]}""",
        "spec.containers[0].name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")]
    [InlineData("""{"containers":[{"name":"c","image":"i","ports":[{"containerPort":70000}]}]}""",
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive")]
    [InlineData("""{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80,"protocol":"HTTP"}]}]}""",
        "spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"")]
    [InlineData("""{"restartPolicy":"Sometimes","containers":[{"name":"c","image":"i"}]}""",
        "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"")]
    [InlineData("""{"dnsPolicy":"Google","containers":[{"name":"c","image":"i"}]}""",
        "spec.dnsPolicy: Unsupported value: \"Google\": supported values: \"ClusterFirst\", \"ClusterFirstWithHostNet\", \"Default\", \"None\"")]
    [InlineData("""{"containers":[{"name":"c","image":"i","imagePullPolicy":"Sometimes"}]}""",
        "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"")]
    public async Task CreatePod_Invalid_ReportsKubernetesMessage(string spec, string expected)
    {
        var e = await Rejected("", "pods", $$$"""{"metadata":{"name":"p"},"spec":{{{spec}}}}""");

        Assert.Equal($"Pod \"p\" is invalid: {expected}", e.Message);
        Assert.Single(e.Causes);
    }

    [Fact]
    public async Task CreateDeployment_TemplateLabelsNotSelected_ReportsSelectorMismatch()
    {
        var e = await Rejected("apps", "deployments", """
            {"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},
             "template":{"metadata":{"labels":{"app":"api","tier":"x"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """);

        Assert.Equal("Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\", \"tier\":\"x\"}: `selector` does not match template `labels`", e.Message);
        Assert.Equal("spec.template.metadata.labels", e.Causes[0].Field);
        Assert.Equal("FieldValueInvalid", e.Causes[0].Reason);
    }

    [Fact]
    public async Task CreateDeployment_WithoutSelector_ReportsRequired()
    {
        var e = await Rejected("apps", "deployments", """
            {"metadata":{"name":"web"},"spec":{"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """);

        Assert.Equal("Deployment.apps \"web\" is invalid: spec.selector: Required value", e.Message);
    }

    [Fact]
    public async Task CreateDeployment_EmptySelectorAndNegativeReplicas_ReportsBoth()
    {
        var e = await Rejected("apps", "deployments", """
            {"metadata":{"name":"web"},"spec":{"replicas":-1,"selector":{},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """);

        Assert.Equal("Deployment.apps \"web\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, "
            + "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment]",
            e.Message);
    }

    [Fact]
    public async Task CreateReplicaSet_WithOnFailureRestart_ReportsAlwaysOnly()
    {
        var e = await Rejected("apps", "replicasets", """
            {"metadata":{"name":"rs"},"spec":{"selector":{"matchLabels":{"app":"web"}},
             "template":{"metadata":{"labels":{"app":"web"}},"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"i"}]}}}}
            """);

        Assert.Equal("ReplicaSet.apps \"rs\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\"", e.Message);
    }

    [Fact]
    public async Task CreateJob_WithAlwaysRestart_ReportsOnFailureOrNever()
    {
        var e = await Rejected("batch", "jobs", """
            {"metadata":{"name":"j"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """);

        Assert.Equal("Job.batch \"j\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"", e.Message);
    }

    [Theory]
    [InlineData("""{"ports":[{"port":0}]}""",
        "[spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive]")]
    [InlineData("""{"ports":[{"port":80,"targetPort":70000}]}""", "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive")]
    [InlineData("""{}""", "spec.ports: Required value")]
    [InlineData("""{"type":"Magic","ports":[{"port":80}]}""",
        "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"")]
    [InlineData("""{"ports":[{"port":80,"nodePort":30080}]}""", "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'")]
    [InlineData("""{"ports":[{"name":"a","port":80},{"name":"a","port":81}]}""", "spec.ports[1].name: Duplicate value: \"a\"")]
    [InlineData("""{"ports":[{"port":80},{"port":81}]}""", "[spec.ports[0].name: Required value, spec.ports[1].name: Required value]")]
    [InlineData("""{"clusterIP":"banana","ports":[{"port":80}]}""",
        "spec.clusterIPs[0]: Invalid value: \"banana\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
    [InlineData("""{"type":"ExternalName"}""", "spec.externalName: Required value")]
    public async Task CreateService_Invalid_ReportsKubernetesMessage(string spec, string expected)
    {
        var e = await Rejected("", "services", $$$"""{"metadata":{"name":"web"},"spec":{{{spec}}}}""");

        Assert.Equal($"Service \"web\" is invalid: {expected}", e.Message);
    }

    [Fact]
    public async Task CreateService_Headless_NeedsNoPorts()
    {
        var svc = await f.CreateAsync("", "services", """{"metadata":{"name":"db"},"spec":{"clusterIP":"None","selector":{"app":"db"}}}""");

        Assert.Equal("None", svc.Obj("spec").Str("clusterIP"));
    }

    [Theory]
    [InlineData("""{"type":"Recreate","rollingUpdate":{}}""", "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'")]
    [InlineData("""{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"0%","maxSurge":0}}""", "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: may not be 0 when `maxSurge` is 0")]
    [InlineData("""{"type":"Blue"}""", "spec.strategy.type: Unsupported value: \"Blue\": supported values: \"Recreate\", \"RollingUpdate\"")]
    public async Task CreateDeployment_BadStrategy_ReportsKubernetesMessage(string strategy, string expected)
    {
        var e = await Rejected("apps", "deployments", """
            {"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"strategy":STRATEGY,
             "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """.Replace("STRATEGY", strategy, StringComparison.Ordinal));

        Assert.Equal($"Deployment.apps \"web\" is invalid: {expected}", e.Message);
    }
}
