using System.Net;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests.Admission;

/// <summary>The admission plugins over HTTPS: LimitRanger, ResourceQuota, ServiceAccount, Priority.</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class AdmissionTests(ServerFixture fixture)
{
    private TestServer Server => fixture.Server;

    private static V1Pod Pod(string name, V1ResourceRequirements? resources = null, string? priorityClass = null, string? serviceAccount = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            PriorityClassName = priorityClass,
            ServiceAccountName = serviceAccount,
            Containers = [new V1Container { Name = "app", Image = "busybox", Resources = resources }],
        },
    };

    private static V1ResourceRequirements Requests(string cpu, string memory) => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) },
    };

    [Fact]
    public async Task LimitRange_FillsDefaultRequestsAndLimits_AndAnnotates()
    {
        var ns = await Server.NewNamespaceAsync("lr");
        await Server.Client.CoreV1.CreateNamespacedLimitRangeAsync(new V1LimitRange
        {
            Metadata = new V1ObjectMeta { Name = "defaults" },
            Spec = new V1LimitRangeSpec
            {
                Limits = [new V1LimitRangeItem
                {
                    Type = "Container",
                    DefaultRequest = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("64Mi") },
                    DefaultProperty = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("128Mi") },
                }],
            },
        }, ns);

        var pod = await Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("web"), ns);

        var resources = pod.Spec.Containers[0].Resources;
        Assert.Equal("100m", resources.Requests["cpu"].ToString());
        Assert.Equal("64Mi", resources.Requests["memory"].ToString());
        Assert.Equal("500m", resources.Limits["cpu"].ToString());
        Assert.Equal("128Mi", resources.Limits["memory"].ToString());
        Assert.Equal("LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app",
            pod.Metadata.Annotations["kubernetes.io/limit-ranger"]);
        Assert.Equal("Burstable", pod.Status.QosClass);
    }

    [Fact]
    public async Task LimitRange_MaxExceeded_IsForbidden()
    {
        var ns = await Server.NewNamespaceAsync("lr");
        await Server.Client.CoreV1.CreateNamespacedLimitRangeAsync(new V1LimitRange
        {
            Metadata = new V1ObjectMeta { Name = "max" },
            Spec = new V1LimitRangeSpec { Limits = [new V1LimitRangeItem { Type = "Container", Max = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") } }] },
        }, ns);

        var big = Pod("big", new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2") } });
        await Errors.StatusAsync(() => Server.Client.CoreV1.CreateNamespacedPodAsync(big, ns), HttpStatusCode.Forbidden, "Forbidden",
            "pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2");
    }

    [Fact]
    public async Task ResourceQuota_RejectsPodOverQuotaWithKubernetesMessage()
    {
        var ns = await Server.NewNamespaceAsync("rq");
        await Server.Client.CoreV1.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "compute" },
            Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["requests.cpu"] = new("1"), ["pods"] = new("5") } },
        }, ns);

        await Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("a", Requests("600m", "10Mi")), ns);
        await Errors.StatusAsync(() => Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("b", Requests("600m", "10Mi")), ns),
            HttpStatusCode.Forbidden, "Forbidden",
            "pods \"b\" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1");
        await Errors.StatusAsync(() => Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("c"), ns),
            HttpStatusCode.Forbidden, "Forbidden", "pods \"c\" is forbidden: failed quota: compute: must specify requests.cpu");
        await Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("d", Requests("400m", "10Mi")), ns);

        await TestServerWaitsForQuota(ns, "compute", q => q.Status?.Used?["requests.cpu"].ToString() == "1" && q.Status.Used["pods"].ToString() == "2");
    }

    [Fact]
    public async Task ResourceQuota_CreatedJustBeforeAnObject_IsAlwaysEnforced()
    {
        // The quota plugin skips namespaces its watch-fed index knows to have no quota; a quota whose create has
        // returned must still bind the very next create, before the watch has delivered it.
        for (var i = 0; i < 10; i++)
        {
            var ns = await Server.NewNamespaceAsync("rqnow");
            await Server.Client.CoreV1.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota
            {
                Metadata = new V1ObjectMeta { Name = "none" },
                Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["count/secrets"] = new("0") } },
            }, ns);
            await Errors.StatusAsync(() => Server.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, ns),
                HttpStatusCode.Forbidden, "Forbidden",
                "secrets \"s\" is forbidden: exceeded quota: none, requested: count/secrets=1, used: count/secrets=0, limited: count/secrets=0");
        }
    }

    private async Task TestServerWaitsForQuota(string ns, string name, Func<V1ResourceQuota, bool> done) =>
        await Security.TestServerWaits.EventuallyAsync(async () => done(await Server.Client.CoreV1.ReadNamespacedResourceQuotaAsync(name, ns)));

    [Fact]
    public async Task ResourceQuota_StatusFollowsDeletions()
    {
        var ns = await Server.NewNamespaceAsync("rq");
        // The root CA publisher adds kube-root-ca.crt to every new namespace; count from after it is there.
        await Security.TestServerWaits.EventuallyAsync(async () =>
            (await Server.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Any(c => c.Metadata.Name == "kube-root-ca.crt"));
        await Server.Client.CoreV1.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "counts" },
            Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["count/configmaps"] = new("3") } },
        }, ns);
        await TestServerWaitsForQuota(ns, "counts", q => q.Status?.Used is not null);
        var used = int.Parse((await Server.Client.CoreV1.ReadNamespacedResourceQuotaAsync("counts", ns)).Status.Used["count/configmaps"].ToString());
        for (var i = used; i < 3; i++)
            await Server.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm{i}" } }, ns);
        await Errors.StatusAsync(() => Server.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "over" } }, ns),
            HttpStatusCode.Forbidden, "Forbidden",
            "configmaps \"over\" is forbidden: exceeded quota: counts, requested: count/configmaps=1, used: count/configmaps=3, limited: count/configmaps=3");

        await Server.Client.CoreV1.DeleteNamespacedConfigMapAsync($"cm{used}", ns);
        await TestServerWaitsForQuota(ns, "counts", q => q.Status.Used["count/configmaps"].ToString() == "2");
        await Server.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "fits" } }, ns);
    }

    [Fact]
    public async Task ServiceAccount_PodGetsProjectedTokenVolume()
    {
        var ns = await Server.NewNamespaceAsync("sa");
        await Server.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default" } }, ns);

        var pod = await Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("web"), ns);

        var volume = Assert.Single(pod.Spec.Volumes, v => v.Name.StartsWith("kube-api-access-", StringComparison.Ordinal));
        Assert.Equal(21, volume.Name.Length);
        Assert.Equal(3607, volume.Projected.Sources[0].ServiceAccountToken.ExpirationSeconds);
        Assert.Equal("kube-root-ca.crt", volume.Projected.Sources[1].ConfigMap.Name);
        Assert.Equal("metadata.namespace", volume.Projected.Sources[2].DownwardAPI.Items[0].FieldRef.FieldPath);
        var mount = Assert.Single(pod.Spec.Containers[0].VolumeMounts);
        Assert.Equal(("/var/run/secrets/kubernetes.io/serviceaccount", true), (mount.MountPath, mount.ReadOnlyProperty == true));
        Assert.Equal("default", pod.Spec.ServiceAccountName);

        await Security.TestServerWaits.EventuallyAsync(async () =>
            (await Server.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Any(c => c.Metadata.Name == "kube-root-ca.crt"
                && c.Data["ca.crt"].Contains("BEGIN CERTIFICATE", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ServiceAccount_OptOutAndMissingAccount()
    {
        var ns = await Server.NewNamespaceAsync("sa");
        await Server.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount
        {
            Metadata = new V1ObjectMeta { Name = "quiet" },
            AutomountServiceAccountToken = false,
        }, ns);

        var quiet = await Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("quiet", serviceAccount: "quiet"), ns);
        Assert.Null(quiet.Spec.Volumes);

        await Errors.StatusAsync(() => Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("ghost", serviceAccount: "ghost"), ns),
            HttpStatusCode.Forbidden, "Forbidden",
            $"pods \"ghost\" is forbidden: error looking up service account {ns}/ghost: serviceaccount \"ghost\" not found");
    }

    [Fact]
    public async Task Priority_ResolvesClassValue_RejectsUnknownClass()
    {
        var ns = await Server.NewNamespaceAsync("prio");
        var name = "high-" + Guid.NewGuid().ToString("N")[..6];
        await Server.Client.SchedulingV1.CreatePriorityClassAsync(new V1PriorityClass { Metadata = new V1ObjectMeta { Name = name }, Value = 1000 });

        var pod = await Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("p", priorityClass: name), ns);
        Assert.Equal(1000, pod.Spec.Priority);

        var critical = await Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("c", priorityClass: "system-node-critical"), ns);
        Assert.Equal(2000001000, critical.Spec.Priority);

        await Errors.StatusAsync(() => Server.Client.CoreV1.CreateNamespacedPodAsync(Pod("x", priorityClass: "nope"), ns),
            HttpStatusCode.Forbidden, "Forbidden", "pods \"x\" is forbidden: no PriorityClass with name nope was found");
        await Server.Client.SchedulingV1.DeletePriorityClassAsync(name);
    }
}
