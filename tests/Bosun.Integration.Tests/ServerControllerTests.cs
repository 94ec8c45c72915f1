using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests;

/// <summary>
/// The API server's own controllers (root CA publisher, quota status, CSR signer, ClusterRole aggregation) react to
/// the change itself, seen through a watch, and an idle server reads nothing from storage for them.
/// </summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class ServerControllerTests(ServerFixture fixture)
{
    // Generous: the reaction is prompt, but the machine is shared; a poll would still pass, which is why the idle test exists.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private TestServer Server => fixture.Server;

    private static async Task<JsonObject> NextMatchingAsync(WatchStream watch, Func<string, JsonObject, bool> match)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("the expected watch event did not arrive");
            var e = await watch.NextAsync(left) ?? throw new InvalidOperationException("the server ended the watch");
            if (match(e.Type, e.Object)) return e.Object;
        }
    }

    private async Task<string> ResourceVersionAsync(string listPath) =>
        (string)(await Server.GetJsonAsync(listPath))["metadata"]!["resourceVersion"]!;

    [Fact]
    public async Task RootCaConfigMap_AppearsInNewNamespace_AndIsRestoredAfterDeleteAndEdit()
    {
        var ca = Server.Host.Pki.CaPem;
        var rv = await ResourceVersionAsync("/api/v1/configmaps?limit=1");
        await using var watch = await WatchStream.OpenAsync(Server.Http,
            $"/api/v1/configmaps?watch=true&fieldSelector=metadata.name%3Dkube-root-ca.crt&resourceVersion={rv}");
        var ns = await Server.NewNamespaceAsync("rootca");
        bool InNs(JsonObject o) => (string?)o["metadata"]!["namespace"] == ns;

        await NextMatchingAsync(watch, (t, o) => t == "ADDED" && InNs(o) && (string?)o["data"]!["ca.crt"] == ca);

        await Server.Client.CoreV1.DeleteNamespacedConfigMapAsync("kube-root-ca.crt", ns);
        await NextMatchingAsync(watch, (t, o) => t == "ADDED" && InNs(o) && (string?)o["data"]!["ca.crt"] == ca);

        await Server.Client.CoreV1.ReplaceNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "kube-root-ca.crt" },
            Data = new Dictionary<string, string> { ["ca.crt"] = "not a CA" },
        }, "kube-root-ca.crt", ns);
        await NextMatchingAsync(watch, (t, o) => t == "MODIFIED" && InNs(o) && (string?)o["data"]!["ca.crt"] == ca);
    }

    [Fact]
    public async Task QuotaStatusUsed_FollowsPodCreateAndDelete()
    {
        var ns = await Server.NewNamespaceAsync("quota");
        await Server.Client.CoreV1.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "q" },
            Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["pods"] = new("5"), ["requests.cpu"] = new("2") } },
        }, ns);
        var rv = await ResourceVersionAsync($"/api/v1/namespaces/{ns}/resourcequotas");
        await using var watch = await WatchStream.OpenAsync(Server.Http, $"/api/v1/namespaces/{ns}/resourcequotas?watch=true&resourceVersion={rv}");
        static bool Used(JsonObject q, string pods, string cpu) =>
            (string?)q["status"]?["used"]?["pods"] == pods && (string?)q["status"]?["used"]?["requests.cpu"] == cpu;
        // The quota's first status may have been written before the watch began.
        if (!Used((await Server.GetJsonAsync($"/api/v1/namespaces/{ns}/resourcequotas/q")), "0", "0"))
            await NextMatchingAsync(watch, (_, q) => Used(q, "0", "0"));

        await Server.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container
                {
                    Name = "c", Image = "busybox",
                    Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m") } },
                }],
            },
        }, ns);
        await NextMatchingAsync(watch, (_, q) => Used(q, "1", "250m"));

        await Server.Client.CoreV1.DeleteNamespacedPodAsync("p", ns, gracePeriodSeconds: 0);
        await NextMatchingAsync(watch, (_, q) => Used(q, "0", "0"));
    }

    [Fact]
    public async Task ClusterRoleWithMatchingLabel_IsAggregated_AndRemovedWhenDeleted()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var label = "example.com/aggregate-to-" + suffix;
        var aggregate = "agg-" + suffix;
        await Server.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = aggregate },
            AggregationRule = new V1AggregationRule { ClusterRoleSelectors = [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [label] = "true" } }] },
        });
        var rv = await ResourceVersionAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=1");
        await using var watch = await WatchStream.OpenAsync(Server.Http,
            $"/apis/rbac.authorization.k8s.io/v1/clusterroles?watch=true&fieldSelector=metadata.name%3D{aggregate}&resourceVersion={rv}");
        static bool Grants(JsonObject role, string resource) =>
            role["rules"] is JsonArray rules && rules.Any(r => r?["resources"] is JsonArray res && res.Any(x => (string?)x == resource));

        var part = "part-" + suffix;
        await Server.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = part, Labels = new Dictionary<string, string> { [label] = "true" } },
            Rules = [new V1PolicyRule { ApiGroups = ["example.com"], Resources = ["widgets"], Verbs = ["get"] }],
        });
        await NextMatchingAsync(watch, (_, r) => Grants(r, "widgets"));

        await Server.Client.RbacAuthorizationV1.DeleteClusterRoleAsync(part);
        await NextMatchingAsync(watch, (_, r) => !Grants(r, "widgets"));
        await Server.Client.RbacAuthorizationV1.DeleteClusterRoleAsync(aggregate);
    }

    [Fact]
    public async Task CsrApprovedLikeKubectlCertificateApprove_IsSigned()
    {
        var name = "client-" + Guid.NewGuid().ToString("N")[..6];
        using var key = ECDsa.Create();
        var pem = new CertificateRequest("CN=jane, O=developers", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        await Server.Client.CertificatesV1.CreateCertificateSigningRequestAsync(new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.ASCII.GetBytes(pem), SignerName = "kubernetes.io/kube-apiserver-client", Usages = ["client auth"],
            },
        });
        var rv = await ResourceVersionAsync("/apis/certificates.k8s.io/v1/certificatesigningrequests?limit=1");
        await using var watch = await WatchStream.OpenAsync(Server.Http,
            $"/apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true&fieldSelector=metadata.name%3D{name}&resourceVersion={rv}");

        // What `kubectl certificate approve` sends: the object with an Approved condition, PUT to the approval subresource.
        var csr = await Server.GetJsonAsync($"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}");
        var status = csr["status"] as JsonObject ?? (JsonObject)(csr["status"] = new JsonObject());
        status["conditions"] = new JsonArray(new JsonObject
        {
            ["type"] = "Approved", ["status"] = "True", ["reason"] = "KubectlApprove", ["message"] = "This CSR was approved by kubectl certificate approve.",
        });
        using var resp = await Server.Http.PutAsync($"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval",
            new StringContent(csr.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);

        var signed = await NextMatchingAsync(watch, (_, o) => o["status"]?["certificate"] is not null);
        using var cert = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(Convert.FromBase64String((string)signed["status"]!["certificate"]!)));
        Assert.Equal("CN=jane, O=developers", cert.Subject);
    }
}

/// <summary>A server of its own, so that no other test's traffic counts as activity.</summary>
[Trait("Category", "Integration")]
public sealed class IdleServerTests
{
    /// <summary>The server's own heartbeat (its Lease, and the kubernetes Endpoints it derives from the Leases) is expected while idle.</summary>
    private static bool IsHeartbeat(string read) =>
        read.Contains("/registry/coordination.k8s.io/leases/kube-system/", StringComparison.Ordinal)
        || read.EndsWith("/default/kubernetes", StringComparison.Ordinal);

    /// <summary>
    /// Waits out start-up: the controllers reconcile the events of their own first writes (the root CA ConfigMaps, the
    /// namespaces' status), which on a loaded machine can arrive seconds later. Settled is two seconds with no other read.
    /// </summary>
    private static async Task SettleAsync(ReadRecordingStore recorder)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        do
        {
            recorder.Clear();
            await Task.Delay(TimeSpan.FromSeconds(2));
            if (recorder.Reads.All(IsHeartbeat)) return;
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail("the server never went quiet: " + string.Join(", ", recorder.Reads.Where(r => !IsHeartbeat(r)).Distinct().Take(10)));
    }

    [Fact]
    public async Task IdleServer_ReadsNothingButItsHeartbeat()
    {
        ReadRecordingStore? recorder = null;
        await using var server = await TestServer.StartAsync(wrapStore: s => recorder = new ReadRecordingStore(s));
        // Start-up work done: every built-in namespace has its kube-root-ca.crt.
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            await Security.TestServerWaits.EventuallyAsync(async () =>
                (await server.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Any(c => c.Metadata.Name == "kube-root-ca.crt"));
        await SettleAsync(recorder!);
        recorder!.Clear();

        // Longer than any interval the controllers used to poll at (0.5–2 s) and than the 5 s heartbeat.
        await Task.Delay(TimeSpan.FromSeconds(7));

        var reads = recorder.Reads;
        Assert.All(reads, r => Assert.True(IsHeartbeat(r), $"an idle server read {r}"));
        Assert.Contains(reads, IsHeartbeat);   // the recorder does see the reads the server makes
    }
}
