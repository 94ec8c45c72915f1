using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>RBAC through the real kubectl: a user bound to <c>view</c> reads but cannot delete; <c>kubectl auth can-i</c> answers.</summary>
[Trait("Category", "E2E")]
public sealed class RbacTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ViewUser_GetsPods_DeleteIsForbiddenInKubernetesWords()
    {
        var ns = await fixture.CreateNamespaceAsync("rbac");
        (await fixture.Kubectl.RunWithInputAsync(Manifests.Pod(ns, "web", new Dictionary<string, string> { ["app"] = "web" }), "create", "-f", "-")).Ok();
        (await fixture.Kubectl.RunAsync("create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice", "-n", ns)).Ok();
        var alice = fixture.Kubectl.WithKubeconfig(await UserKubeconfig.WithClientCertificateAsync(fixture, "alice.kubeconfig", "alice", "devs"));

        var get = (await alice.RunAsync("get", "pods", "-n", ns, "-o", "name")).Ok();
        Assert.Equal("pod/web", get.Stdout.Trim());

        var delete = await alice.RunAsync("delete", "pod", "web", "-n", ns);
        Assert.NotEqual(0, delete.ExitCode);
        Assert.Equal(
            $"Error from server (Forbidden): pods \"web\" is forbidden: User \"alice\" cannot delete resource \"pods\" in API group \"\" in the namespace \"{ns}\"",
            delete.Stderr.Trim());

        var elsewhere = await alice.RunAsync("get", "pods", "-n", "default");
        Assert.Contains("Error from server (Forbidden): pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"",
            elsewhere.Stderr);
    }

    [Fact]
    public async Task AuthCanI_AnswersYesAndNoForTheCaller()
    {
        var ns = await fixture.CreateNamespaceAsync("can-i");
        (await fixture.Kubectl.RunAsync("create", "rolebinding", "bob-edit", "--clusterrole=edit", "--user=bob", "-n", ns)).Ok();
        var bob = fixture.Kubectl.WithKubeconfig(await UserKubeconfig.WithClientCertificateAsync(fixture, "bob.kubeconfig", "bob"));

        Assert.Equal("yes", (await bob.RunAsync("auth", "can-i", "delete", "pods", "-n", ns)).Stdout.Trim());
        Assert.Equal("yes", (await bob.RunAsync("auth", "can-i", "create", "deployments.apps", "-n", ns)).Stdout.Trim());
        var no = await bob.RunAsync("auth", "can-i", "create", "rolebindings", "-n", ns);
        Assert.Equal("no", no.Stdout.Trim());
        Assert.Equal(1, no.ExitCode);
        Assert.Equal("no", (await bob.RunAsync("auth", "can-i", "list", "nodes")).Stdout.Trim());

        // The administrator asks on bob's behalf (impersonation is not served yet, so a SubjectAccessReview through --list is not used).
        Assert.Equal("yes", (await fixture.Kubectl.RunAsync("auth", "can-i", "delete", "nodes")).Stdout.Trim());

        var list = (await bob.RunAsync("auth", "can-i", "--list", "-n", ns)).Ok();
        Assert.Contains("pods ", list.Stdout);
        Assert.Contains("selfsubjectaccessreviews.authorization.k8s.io", list.Stdout);
    }

    [Fact]
    public async Task AuthWhoami_PrintsCertificateUserAndGroups()
    {
        var carol = fixture.Kubectl.WithKubeconfig(await UserKubeconfig.WithClientCertificateAsync(fixture, "carol.kubeconfig", "carol", "qa"));

        var whoami = (await carol.RunAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}")).Ok();

        Assert.Equal("carol [\"qa\",\"system:authenticated\"]", whoami.Stdout.Trim());
    }
}
