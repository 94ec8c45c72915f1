using System.Text.Json.Nodes;
using Bosun.ApiServer.Admission;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Security;
using Bosun.ApiServer.Tests.Registry;

namespace Bosun.ApiServer.Tests.Admission;

public sealed class NodeRestrictionTests
{
    private static readonly UserInfo Node1 = new("system:node:n1", "", ["system:nodes", "system:authenticated"]);
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static async Task<StoreFixture> StartAsync()
    {
        var f = await StoreFixture.StartAsync();
        var chain = new AdmissionChain(new NodeRestriction(f.Storage, f.Store("", "pods").Registration, f.Store("", "nodes").Registration));
        foreach (var store in f.Catalog.All) store.Admission = chain;
        return f;
    }

    private static WriteOptions As(UserInfo? user) => new() { User = user };

    private static async Task<string> ForbiddenAsync(Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<ApiException>(action);
        Assert.Equal(403, e.Code);
        return e.Message;
    }

    private static JsonObject Pod(string name, string node, string extraMeta = "", string extraSpec = "") => StoreFixture.Obj(
        $$$"""{"metadata":{"name":"{{{name}}}"{{{extraMeta}}}},"spec":{"nodeName":"{{{node}}}","containers":[{"name":"c","image":"busybox"}]{{{extraSpec}}}}}""");

    private static async Task<string> CreateNodeAsync(StoreFixture f, string name) =>
        (await f.Store("", "nodes").CreateAsync(null, StoreFixture.Obj($$$"""{"metadata":{"name":"{{{name}}}"}}"""), As(null), Ct)).Obj("metadata").Str("uid")!;

    [Fact]
    public async Task NodeCreatingAnOrdinaryPod_IsForbidden()
    {
        await using var f = await StartAsync();
        var message = await ForbiddenAsync(() => f.Store("", "pods").CreateAsync("default", Pod("p", "n1"), As(Node1), Ct));
        Assert.Equal("pods \"p\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node \"n1\" can only create mirror pods", message);
    }

    [Fact]
    public async Task MirrorPods_MustBeBoundToAndOwnedByTheNode_AndReferenceNothing()
    {
        await using var f = await StartAsync();
        var uid = await CreateNodeAsync(f, "n1");
        var pods = f.Store("", "pods");
        const string Mirror = ""","annotations":{"kubernetes.io/config.mirror":"h"}""";
        var owner = $$""","ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n1","uid":"{{uid}}","controller":true}]""";

        Assert.EndsWith("node \"n1\" can only create pods with spec.nodeName set to itself",
            await ForbiddenAsync(() => pods.CreateAsync("default", Pod("a", "n2", Mirror + owner), As(Node1), Ct)));
        Assert.EndsWith("node \"n1\" can only create pods with an owner reference set to itself",
            await ForbiddenAsync(() => pods.CreateAsync("default", Pod("b", "n1", Mirror), As(Node1), Ct)));
        Assert.EndsWith("node \"n1\" can only create pods with a controller owner reference set to itself",
            await ForbiddenAsync(() => pods.CreateAsync("default", Pod("c", "n1", Mirror + owner.Replace("true", "false", StringComparison.Ordinal)), As(Node1), Ct)));
        Assert.EndsWith("node n1 UID mismatch: expected wrong got " + uid,
            await ForbiddenAsync(() => pods.CreateAsync("default", Pod("d", "n1", Mirror + owner.Replace(uid, "wrong", StringComparison.Ordinal)), As(Node1), Ct)));
        Assert.EndsWith("node \"n1\" can not create pods that reference secrets",
            await ForbiddenAsync(() => pods.CreateAsync("default", Pod("e", "n1", Mirror + owner, ""","volumes":[{"name":"s","secret":{"secretName":"s"}}]"""), As(Node1), Ct)));
        Assert.EndsWith("node \"n1\" can not create pods that reference configmaps",
            await ForbiddenAsync(() => pods.CreateAsync("default", Pod("g", "n1", Mirror + owner, ""","volumes":[{"name":"s","configMap":{"name":"s"}}]"""), As(Node1), Ct)));
        Assert.EndsWith("node \"n1\" can not create pods that reference persistentvolumeclaims",
            await ForbiddenAsync(() => pods.CreateAsync("default", Pod("h", "n1", Mirror + owner, ""","volumes":[{"name":"s","persistentVolumeClaim":{"claimName":"s"}}]"""), As(Node1), Ct)));

        await pods.CreateAsync("default", Pod("ok", "n1", Mirror + owner), As(Node1), Ct);
    }

    [Fact]
    public async Task NodeMayUpdateStatusAndDeleteOnlyItsOwnPods()
    {
        await using var f = await StartAsync();
        var pods = f.Store("", "pods");
        await pods.CreateAsync("default", Pod("mine", "n1"), As(null), Ct);
        await pods.CreateAsync("default", Pod("theirs", "n2"), As(null), Ct);
        JsonObject Running(JsonObject p) { p["status"] = new JsonObject { ["phase"] = "Running" }; return p; }

        Assert.Equal("pods \"theirs\" is forbidden: node \"n1\" can only update pod status for pods with spec.nodeName set to itself",
            await ForbiddenAsync(() => pods.UpdateAsync("default", "theirs", UpdateKind.Status, Running, As(Node1), Ct)));
        Assert.Equal("pods \"theirs\" is forbidden: node \"n1\" can only delete pods with spec.nodeName set to itself",
            await ForbiddenAsync(() => pods.DeleteAsync("default", "theirs", new DeleteOptions { User = Node1, GracePeriodSeconds = 0 }, Ct)));
        Assert.Equal("pods \"mine\" is forbidden: unexpected operation \"UPDATE\", node \"n1\" can only create and delete mirror pods",
            await ForbiddenAsync(() => pods.UpdateAsync("default", "mine", UpdateKind.Main, p => { p["metadata"]!["labels"] = new JsonObject { ["a"] = "b" }; return p; }, As(Node1), Ct)));

        await pods.UpdateAsync("default", "mine", UpdateKind.Status, Running, As(Node1), Ct);
        await pods.DeleteAsync("default", "mine", new DeleteOptions { User = Node1, GracePeriodSeconds = 0 }, Ct);
    }

    [Fact]
    public async Task NodeMayWriteOnlyItsOwnNode_WithKubeletLabels_AndNotItsTaints()
    {
        await using var f = await StartAsync();
        var nodes = f.Store("", "nodes");

        Assert.Equal("nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"",
            await ForbiddenAsync(() => nodes.CreateAsync(null, StoreFixture.Obj("""{"metadata":{"name":"n2"}}"""), As(Node1), Ct)));
        Assert.Equal("nodes \"n1\" is forbidden: node \"n1\" is not allowed to set the following labels: node-restriction.kubernetes.io/pool, node-role.kubernetes.io/control-plane",
            await ForbiddenAsync(() => nodes.CreateAsync(null, StoreFixture.Obj(
                """{"metadata":{"name":"n1","labels":{"node-role.kubernetes.io/control-plane":"","node-restriction.kubernetes.io/pool":"a","kubernetes.io/hostname":"n1"}}}"""), As(Node1), Ct)));

        await nodes.CreateAsync(null, StoreFixture.Obj(
            """{"metadata":{"name":"n1","labels":{"kubernetes.io/hostname":"n1","node.kubernetes.io/instance-type":"big","example.com/team":"a"}}}"""), As(Node1), Ct);

        Assert.Equal("nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify taints",
            await ForbiddenAsync(() => nodes.UpdateAsync(null, "n1", UpdateKind.Main, n => { n.Ensure("spec")["taints"] = new JsonArray(); return n; }, As(Node1), Ct)));
        Assert.Equal("nodes \"n1\" is forbidden: is not allowed to modify labels: kubernetes.io/role",
            await ForbiddenAsync(() => nodes.UpdateAsync(null, "n1", UpdateKind.Main, n => { n["metadata"]!["labels"]!["kubernetes.io/role"] = "x"; return n; }, As(Node1), Ct)));
    }

    [Fact]
    public async Task NodeMayWriteOnlyItsOwnLease()
    {
        await using var f = await StartAsync();
        await f.Store("", "namespaces").CreateAsync(null, StoreFixture.Obj("""{"metadata":{"name":"kube-node-lease"}}"""), As(null), Ct);
        var leases = f.Store("coordination.k8s.io", "leases");

        Assert.Equal("leases.coordination.k8s.io \"n2\" is forbidden: can only access node lease with the same name as the requesting node",
            await ForbiddenAsync(() => leases.CreateAsync("kube-node-lease", StoreFixture.Obj("""{"metadata":{"name":"n2"},"spec":{}}"""), As(Node1), Ct)));
        Assert.Equal("leases.coordination.k8s.io \"n1\" is forbidden: can only access leases in the \"kube-node-lease\" system namespace",
            await ForbiddenAsync(() => leases.CreateAsync("default", StoreFixture.Obj("""{"metadata":{"name":"n1"},"spec":{}}"""), As(Node1), Ct)));
        await leases.CreateAsync("kube-node-lease", StoreFixture.Obj("""{"metadata":{"name":"n1"},"spec":{}}"""), As(Node1), Ct);
    }

    [Fact]
    public async Task OtherUsers_AreNotRestricted()
    {
        await using var f = await StartAsync();
        await f.Store("", "pods").CreateAsync("default", Pod("p", "n9"), As(new UserInfo("alice", "", ["system:authenticated"])), Ct);
    }
}
