using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests.Security;

/// <summary>RBAC, the default roles and the review APIs over HTTPS, with client-certificate users the cluster CA signs.</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class RbacTests(ServerFixture fixture)
{
    private TestServer Server => fixture.Server;

    private HttpClient As(string user, params string[] groups)
    {
        var cert = Server.Host.Pki.IssueClientCertificate(user, groups, TimeSpan.FromHours(1));
        // SslStream wants the key in a platform store form; a PKCS#12 round trip gives it one.
        var usable = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true, ClientCertificates = [usable] } };
        return new HttpClient(handler) { BaseAddress = Server.Host.Url };
    }

    private static async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpClient http, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = Errors.Json(Errors.Serialize(body));
        using var resp = await http.SendAsync(request);
        var text = await resp.Content.ReadAsStringAsync();
        return (resp.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    private async Task BindAsync(string ns, string name, string clusterRole, string user) =>
        await Server.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = clusterRole },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = user, ApiGroup = "rbac.authorization.k8s.io" }],
        }, ns);

    private async Task<string> NamespaceWithPodAsync()
    {
        var ns = await Server.NewNamespaceAsync("rbac");
        await Server.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "x" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);
        return ns;
    }

    [Fact]
    public async Task UserWithoutBinding_GetsKubernetesForbidden()
    {
        var ns = await NamespaceWithPodAsync();
        using var alice = As("alice");

        var (code, body) = await SendAsync(alice, HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods");

        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("Forbidden", (string?)body["reason"]);
        Assert.Equal($"pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"", (string?)body["message"]);
        Assert.Equal("pods", (string?)body["details"]!["kind"]);
    }

    [Fact]
    public async Task ViewBinding_AllowsGetAtOnce_DeleteIsForbidden()
    {
        var ns = await NamespaceWithPodAsync();
        await BindAsync(ns, "alice-view", "view", "alice");
        using var alice = As("alice");

        var (get, _) = await SendAsync(alice, HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/x");
        Assert.Equal(HttpStatusCode.OK, get);

        var (del, body) = await SendAsync(alice, HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/x");
        Assert.Equal(HttpStatusCode.Forbidden, del);
        Assert.Equal($"pods \"x\" is forbidden: User \"alice\" cannot delete resource \"pods\" in API group \"\" in the namespace \"{ns}\"", (string?)body["message"]);

        var (other, _) = await SendAsync(alice, HttpMethod.Get, "/api/v1/namespaces/default/pods");
        Assert.Equal(HttpStatusCode.Forbidden, other);
    }

    [Fact]
    public async Task SelfSubjectAccessReview_AnswersForTheCaller()
    {
        var ns = await Server.NewNamespaceAsync("rbac");
        await BindAsync(ns, "bob-edit", "edit", "bob");
        using var bob = As("bob", "qa");

        async Task<bool> CanAsync(string verb, string resource, string group = "")
        {
            var (code, body) = await SendAsync(bob, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", new
            {
                apiVersion = "authorization.k8s.io/v1",
                kind = "SelfSubjectAccessReview",
                spec = new { resourceAttributes = new { @namespace = ns, verb, resource, group } },
            });
            Assert.Equal(HttpStatusCode.Created, code);
            return (bool)body["status"]!["allowed"]!;
        }

        Assert.True(await CanAsync("delete", "pods"));
        Assert.True(await CanAsync("create", "deployments", "apps"));
        Assert.False(await CanAsync("create", "rolebindings", "rbac.authorization.k8s.io"));
        Assert.False(await CanAsync("list", "nodes"));
    }

    [Fact]
    public async Task SubjectAccessReview_NeedsPermission_AndAnswersForNamedUser()
    {
        var ns = await Server.NewNamespaceAsync("rbac");
        await BindAsync(ns, "carol-view", "view", "carol");
        var review = new
        {
            apiVersion = "authorization.k8s.io/v1",
            kind = "SubjectAccessReview",
            spec = new { user = "carol", resourceAttributes = new { @namespace = ns, verb = "get", resource = "pods" } },
        };

        using var carol = As("carol");
        var (denied, _) = await SendAsync(carol, HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", review);
        Assert.Equal(HttpStatusCode.Forbidden, denied);

        var (code, body) = await SendAsync(Server.Http, HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", review);
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.True((bool)body["status"]!["allowed"]!);
    }

    [Fact]
    public async Task SelfSubjectRulesReview_ListsRulesOfBoundRoles()
    {
        var ns = await Server.NewNamespaceAsync("rbac");
        await BindAsync(ns, "dave-view", "view", "dave");
        using var dave = As("dave");

        var (code, body) = await SendAsync(dave, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            new { apiVersion = "authorization.k8s.io/v1", kind = "SelfSubjectRulesReview", spec = new { @namespace = ns } });

        Assert.Equal(HttpStatusCode.Created, code);
        var rules = body["status"]!["resourceRules"]!.AsArray();
        Assert.Contains(rules, r => r!["resources"]!.AsArray().Any(x => (string?)x == "pods") && r["verbs"]!.AsArray().Any(v => (string?)v == "list"));
        Assert.Contains(rules, r => r!["resources"]!.AsArray().Any(x => (string?)x == "selfsubjectaccessreviews"));
    }

    [Fact]
    public async Task SelfSubjectReview_ReturnsCertificateIdentity()
    {
        using var erin = As("erin", "ops");
        var (code, body) = await SendAsync(erin, HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            new { apiVersion = "authentication.k8s.io/v1", kind = "SelfSubjectReview" });

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("erin", (string?)body["status"]!["userInfo"]!["username"]);
        Assert.Equal(["ops", "system:authenticated"], body["status"]!["userInfo"]!["groups"]!.AsArray().Select(g => (string)g!));
    }

    [Fact]
    public async Task DefaultClusterRoles_ExistWithAggregatedRules()
    {
        var view = await Server.Client.RbacAuthorizationV1.ReadClusterRoleAsync("view");
        Assert.NotNull(view.AggregationRule);
        Assert.Contains(view.Rules, r => r.Resources?.Contains("pods") == true && r.Verbs.Contains("watch"));
        var binding = await Server.Client.RbacAuthorizationV1.ReadClusterRoleBindingAsync("cluster-admin");
        Assert.Equal("system:masters", binding.Subjects.Single().Name);
        foreach (var name in new[] { "cluster-admin", "admin", "edit", "system:kube-scheduler", "system:kube-controller-manager", "system:node",
                     "system:node-proxier", "system:basic-user", "system:discovery", "system:public-info-viewer" })
            Assert.Equal(name, (await Server.Client.RbacAuthorizationV1.ReadClusterRoleAsync(name)).Metadata.Name);
    }

    [Fact]
    public async Task ClusterRoleLabelledAggregateToView_IsAggregatedIntoView()
    {
        var name = "widgets-" + Guid.NewGuid().ToString("N")[..6];
        await Server.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["rbac.authorization.k8s.io/aggregate-to-view"] = "true" } },
            Rules = [new V1PolicyRule { ApiGroups = ["example.com"], Resources = [name], Verbs = ["get"] }],
        });

        await TestServerWaits.EventuallyAsync(async () =>
            (await Server.Client.RbacAuthorizationV1.ReadClusterRoleAsync("admin")).Rules.Any(r => r.Resources?.Contains(name) == true));
        Assert.Contains((await Server.Client.RbacAuthorizationV1.ReadClusterRoleAsync("view")).Rules, r => r.Resources?.Contains(name) == true);
        await Server.Client.RbacAuthorizationV1.DeleteClusterRoleAsync(name);
    }

    [Fact]
    public async Task NonResourcePath_WithoutPermission_IsForbiddenWithPathMessage()
    {
        using var frank = As("frank");
        var (code, body) = await SendAsync(frank, HttpMethod.Get, "/metrics");
        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("forbidden: User \"frank\" cannot get path \"/metrics\"", (string?)body["message"]);

        using var resp = await frank.GetAsync("/apis");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
    }
}

internal static class TestServerWaits
{
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(50);
        }
    }
}
