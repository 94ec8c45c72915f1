using System.Text.Json.Nodes;
using Bosun.ApiServer.Admission;
using Bosun.ApiServer.Admission.PodSecurity;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Security;
using Bosun.ApiServer.Tests.Registry;

namespace Bosun.ApiServer.Tests.Admission;

public sealed class PodSecurityAdmissionTests
{
    private static readonly UserInfo Alice = new("alice", "", ["system:authenticated"]);
    private static readonly CancellationToken Ct = CancellationToken.None;
    private const string PrivilegedPod = """{"metadata":{"name":"x"},"spec":{"containers":[{"name":"x","image":"busybox","securityContext":{"privileged":true}}]}}""";
    private const string Violations =
        "privileged (container \"x\" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container \"x\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"x\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"x\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"x\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")";

    private static async Task<StoreFixture> StartAsync(string labels)
    {
        var f = await StoreFixture.StartAsync();
        var chain = new AdmissionChain(new PodSecurityAdmission(f.Storage, f.Store("", "namespaces").Registration, f.Store("", "pods").Registration));
        foreach (var store in f.Catalog.All) store.Admission = chain;
        await f.Store("", "namespaces").CreateAsync(null, StoreFixture.Obj($$$"""{"metadata":{"name":"team","labels":{{{labels}}}}}"""), As(Alice), Ct);
        return f;
    }

    private static WriteOptions As(UserInfo user) => new() { User = user };

    [Fact]
    public async Task Enforce_RefusesViolatingPod_WithUpstreamsMessage()
    {
        await using var f = await StartAsync("""{"pod-security.kubernetes.io/enforce":"restricted"}""");

        var e = await Assert.ThrowsAsync<ApiException>(() => f.Store("", "pods").CreateAsync("team", StoreFixture.Obj(PrivilegedPod), As(Alice), Ct));

        Assert.Equal(403, e.Code);
        Assert.Equal($"pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\": {Violations}", e.Message);
    }

    [Fact]
    public async Task Warn_AdmitsPod_AndWarnsWithTheSameWording()
    {
        await using var f = await StartAsync("""{"pod-security.kubernetes.io/warn":"restricted","pod-security.kubernetes.io/warn-version":"v1.30"}""");

        var warnings = await AdmissionWarnings.CaptureAsync(() => f.Store("", "pods").CreateAsync("team", StoreFixture.Obj(PrivilegedPod), As(Alice), Ct));

        Assert.Equal([$"would violate PodSecurity \"restricted:v1.30\": {Violations}"], warnings);
        await f.Store("", "pods").GetAsync("team", "x", Ct);
    }

    [Fact]
    public async Task Workloads_AreAdmitted_WithWarningsForTheirTemplates()
    {
        await using var f = await StartAsync("""{"pod-security.kubernetes.io/enforce":"baseline","pod-security.kubernetes.io/warn":"restricted"}""");
        var deployment = StoreFixture.Obj("""
            {"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
             "spec":{"hostNetwork":true,"containers":[{"name":"x","image":"busybox"}]}}}}
            """);

        var warnings = await AdmissionWarnings.CaptureAsync(() => f.Store("apps", "deployments").CreateAsync("team", deployment, As(Alice), Ct));

        Assert.Equal(2, warnings.Count);
        Assert.Equal("would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)", warnings[0]);
        Assert.StartsWith("would violate PodSecurity \"restricted:latest\": host namespaces (hostNetwork=true), allowPrivilegeEscalation != false", warnings[1]);
    }

    [Fact]
    public async Task PodUpdates_AreCheckedOnlyWhenAnImageChanges()
    {
        await using var f = await StartAsync("{}");
        var pods = f.Store("", "pods");
        await pods.CreateAsync("team", StoreFixture.Obj(PrivilegedPod), As(Alice), Ct);
        await f.Store("", "namespaces").UpdateAsync(null, "team", UpdateKind.Main, ns =>
        {
            ns["metadata"]!["labels"] = new JsonObject { ["pod-security.kubernetes.io/enforce"] = "baseline" };
            return ns;
        }, As(Alice), Ct);

        await pods.UpdateAsync("team", "x", UpdateKind.Main, p => { p["metadata"]!["labels"] = new JsonObject { ["a"] = "b" }; return p; }, As(Alice), Ct);
        var e = await Assert.ThrowsAsync<ApiException>(() => pods.UpdateAsync("team", "x", UpdateKind.Main,
            p => { p["spec"]!["containers"]![0]!["image"] = "busybox:1.36"; return p; }, As(Alice), Ct));

        Assert.Equal("pods \"x\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"x\" must not set securityContext.privileged=true)", e.Message);
    }

    [Fact]
    public async Task ServerOwnWrites_AreNotChecked()
    {
        await using var f = await StartAsync("""{"pod-security.kubernetes.io/enforce":"restricted"}""");
        await f.Store("", "pods").CreateAsync("team", StoreFixture.Obj(PrivilegedPod), new WriteOptions(), Ct);
    }

    [Fact]
    public async Task Namespace_WithInvalidLevel_IsInvalid()
    {
        await using var f = await StartAsync("{}");

        var e = await Assert.ThrowsAsync<ApiException>(() => f.Store("", "namespaces").CreateAsync(null,
            StoreFixture.Obj("""{"metadata":{"name":"bad","labels":{"pod-security.kubernetes.io/enforce":"strict"}}}"""), As(Alice), Ct));

        Assert.Equal(422, e.Code);
        Assert.Equal("Namespace \"bad\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted", e.Message);
    }

    [Fact]
    public async Task TighteningEnforce_WarnsAboutExistingPods()
    {
        await using var f = await StartAsync("{}");
        await f.Store("", "pods").CreateAsync("team", StoreFixture.Obj(PrivilegedPod), As(Alice), Ct);

        var warnings = await AdmissionWarnings.CaptureAsync(() => f.Store("", "namespaces").UpdateAsync(null, "team", UpdateKind.Main, ns =>
        {
            ns["metadata"]!["labels"] = new JsonObject { ["pod-security.kubernetes.io/enforce"] = "baseline" };
            return ns;
        }, As(Alice), Ct));

        Assert.Equal(["existing pods in namespace \"team\" violate the new PodSecurity enforce level \"baseline:latest\"", "x: privileged"], warnings);
    }
}
