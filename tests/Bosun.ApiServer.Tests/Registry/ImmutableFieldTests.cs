using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using static Bosun.ApiServer.Tests.Registry.StoreFixture;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class ImmutableFieldTests : IAsyncLifetime
{
    private StoreFixture f = null!;

    public async Task InitializeAsync() => f = await StartAsync();

    public async Task DisposeAsync() => await f.Storage.DisposeAsync();

    private const string Pod = """
        {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx:1.26"}],"tolerations":[{"key":"a","operator":"Exists"}]}}
        """;

    private async Task<ApiException> RejectedUpdate(string group, string resource, string name, Func<JsonObject, JsonObject> change)
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => f.UpdateAsync(group, resource, name, change));
        Assert.Equal(422, e.Code);
        return e;
    }

    [Fact]
    public async Task UpdatePod_ChangingImageAndAddingToleration_IsAllowed()
    {
        await f.CreateAsync("", "pods", Pod);

        var updated = await f.UpdateAsync("", "pods", "p", p =>
        {
            p.Obj("spec")!.Arr("containers")![0]!["image"] = "nginx:1.27";
            p.Obj("spec")!.Arr("tolerations")!.Add(new JsonObject { ["key"] = "b", ["operator"] = "Exists" });
            p.Obj("spec")!["activeDeadlineSeconds"] = 60;
            return p;
        });

        Assert.Equal("nginx:1.27", updated.Obj("spec")!.Arr("containers")![0]!.AsObject().Str("image"));
    }

    [Fact]
    public async Task UpdatePod_ChangingRestartPolicy_IsForbiddenWithKubernetesWording()
    {
        await f.CreateAsync("", "pods", Pod);

        var e = await RejectedUpdate("", "pods", "p", p => { p.Obj("spec")!["restartPolicy"] = "Never"; return p; });

        Assert.StartsWith("Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
            + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
            + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n", e.Message);
        Assert.Contains("restartPolicy", e.Message);
        Assert.Equal("FieldValueForbidden", e.Causes[0].Reason);
    }

    [Fact]
    public async Task UpdatePod_RemovingToleration_IsForbidden()
    {
        await f.CreateAsync("", "pods", Pod);

        var e = await RejectedUpdate("", "pods", "p", p => { p.Obj("spec")!.Remove("tolerations"); return p; });

        Assert.Equal("spec", e.Causes[0].Field);
    }

    [Fact]
    public async Task UpdatePodStatus_WithDefaultsMissingInStoredPod_IsAllowed()
    {
        await f.CreateAsync("", "pods", Pod);

        var updated = await f.Store("", "pods").UpdateAsync("default", "p", Bosun.ApiServer.Registry.UpdateKind.Status,
            p => { p["status"] = new JsonObject { ["phase"] = "Running" }; return p; }, new(), Ct);

        Assert.Equal("Running", updated.Obj("status").Str("phase"));
    }

    [Fact]
    public async Task UpdateDeployment_ChangingSelector_IsImmutable()
    {
        await f.CreateAsync("apps", "deployments", """
            {"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},
             "template":{"metadata":{"labels":{"app":"web","v":"2"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """);

        var e = await RejectedUpdate("apps", "deployments", "web", d =>
        {
            d.Obj("spec")!["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["v"] = "2" } };
            return d;
        });

        Assert.Equal("Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"v\":\"2\"}, "
            + "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable", e.Message);
    }

    [Fact]
    public async Task UpdateJob_ChangingTemplate_IsImmutable()
    {
        await f.CreateAsync("batch", "jobs", """
            {"metadata":{"name":"j"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}}}
            """);

        var e = await RejectedUpdate("batch", "jobs", "j", j =>
        {
            j.Obj("spec")!.Obj("template")!.Obj("spec")!.Arr("containers")![0]!["image"] = "other";
            return j;
        });

        Assert.Equal("spec.template", e.Causes[0].Field);
        Assert.EndsWith(": field is immutable", e.Message);
    }

    [Fact]
    public async Task UpdateStatefulSet_ChangingServiceName_IsForbidden()
    {
        await f.CreateAsync("apps", "statefulsets", """
            {"metadata":{"name":"db"},"spec":{"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
             "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """);

        var e = await RejectedUpdate("apps", "statefulsets", "db", s => { s.Obj("spec")!["serviceName"] = "other"; return s; });

        Assert.Equal("StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
            + "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden", e.Message);
    }

    [Fact]
    public async Task UpdateService_ChangingClusterIp_MayNotChangeOnceSet()
    {
        var svc = await f.CreateAsync("", "services", """{"metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}}""");
        var ip = svc.Obj("spec").Str("clusterIP");

        var e = await RejectedUpdate("", "services", "web", s =>
        {
            s.Obj("spec")!["clusterIP"] = "None";
            s.Obj("spec")!["clusterIPs"] = new JsonArray("None");
            return s;
        });

        Assert.Equal("Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"None\"}: may not change once set", e.Message);
        Assert.True(f.Services.Ips.IsAllocated(System.Net.IPAddress.Parse(ip!)));
    }

    [Fact]
    public async Task UpdateService_OmittingClusterIp_KeepsAllocatedValues()
    {
        var svc = await f.CreateAsync("", "services", """{"metadata":{"name":"web"},"spec":{"type":"NodePort","ports":[{"port":80}]}}""");

        var updated = await f.UpdateAsync("", "services", "web", s =>
        {
            var spec = s.Obj("spec")!;
            spec.Remove("clusterIP");
            spec.Remove("clusterIPs");
            spec.Arr("ports")![0]!.AsObject().Remove("nodePort");
            return s;
        });

        Assert.Equal(svc.Obj("spec").Str("clusterIP"), updated.Obj("spec").Str("clusterIP"));
        Assert.Equal(svc.Obj("spec")!.Arr("ports")![0]!.AsObject().Long("nodePort"), updated.Obj("spec")!.Arr("ports")![0]!.AsObject().Long("nodePort"));
    }

    [Fact]
    public async Task UpdateClaim_ChangingAccessModes_IsForbidden()
    {
        await f.CreateAsync("", "persistentvolumeclaims",
            """{"metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}""");

        var grown = await f.UpdateAsync("", "persistentvolumeclaims", "c", c =>
        {
            c.Obj("spec")!.Obj("resources")!.Obj("requests")!["storage"] = "2Gi";
            return c;
        });
        var e = await RejectedUpdate("", "persistentvolumeclaims", "c", c =>
        {
            c.Obj("spec")!["accessModes"] = new JsonArray("ReadWriteMany");
            return c;
        });

        Assert.Equal("2Gi", grown.Obj("spec").Obj("resources").Obj("requests").Str("storage"));
        Assert.StartsWith("PersistentVolumeClaim \"c\" is invalid: spec: Forbidden: spec is immutable after creation", e.Message);
    }
}
