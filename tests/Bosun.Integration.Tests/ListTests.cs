using System.Net;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests;

[Collection("server")]
[Trait("Category", "Integration")]
public sealed class ListTests(ServerFixture fixture)
{
    private readonly TestServer server = fixture.Server;
    private Kubernetes Client => server.Client;

    /// <summary>Pods a (app=web, tier=fe, node-1, Running), b (app=web, node-2, Pending), c (app=db, tier=be, unscheduled, Pending), d (no labels).</summary>
    private async Task<string> SeedPodsAsync()
    {
        var ns = await server.NewNamespaceAsync("sel");
        async Task Make(string name, Dictionary<string, string>? labels, string? node, string? phase)
        {
            var pod = await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name, Labels = labels },
                Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            }, ns);
            if (phase is not null)
            {
                pod.Status = new V1PodStatus { Phase = phase };
                await Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns);
            }
        }
        await Make("a", new() { ["app"] = "web", ["tier"] = "fe" }, "node-1", "Running");
        await Make("b", new() { ["app"] = "web" }, "node-2", "Pending");
        await Make("c", new() { ["app"] = "db", ["tier"] = "be" }, null, "Pending");
        await Make("d", null, null, null);
        return ns;
    }

    private async Task<string[]> NamesAsync(string ns, string? label = null, string? field = null) =>
        (await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: label, fieldSelector: field))
        .Items.Select(p => p.Metadata.Name).Order().ToArray();

    [Fact]
    public async Task LabelSelector_AllOperators_FilterPods()
    {
        var ns = await SeedPodsAsync();
        Assert.Equal(["a", "b"], await NamesAsync(ns, "app=web"));
        Assert.Equal(["a", "b"], await NamesAsync(ns, "app==web"));
        Assert.Equal(["c", "d"], await NamesAsync(ns, "app!=web"));
        Assert.Equal(["a", "b", "c"], await NamesAsync(ns, "app in (web,db)"));
        Assert.Equal(["c", "d"], await NamesAsync(ns, "app notin (web)"));
        Assert.Equal(["a", "c"], await NamesAsync(ns, "tier"));
        Assert.Equal(["b", "d"], await NamesAsync(ns, "!tier"));
        Assert.Equal(["a"], await NamesAsync(ns, "app=web,tier"));
        Assert.Equal(["b"], await NamesAsync(ns, "app in (web),!tier"));
        Assert.Empty(await NamesAsync(ns, "app=none"));
    }

    [Fact]
    public async Task FieldSelector_SupportedFields_FilterPods()
    {
        var ns = await SeedPodsAsync();
        Assert.Equal(["b"], await NamesAsync(ns, field: "metadata.name=b"));
        Assert.Equal(["a", "c", "d"], await NamesAsync(ns, field: "metadata.name!=b"));
        Assert.Equal(["a", "b", "c", "d"], await NamesAsync(ns, field: $"metadata.namespace={ns}"));
        Assert.Empty(await NamesAsync(ns, field: "metadata.namespace=other"));
        Assert.Equal(["a"], await NamesAsync(ns, field: "spec.nodeName=node-1"));
        Assert.Equal(["c", "d"], await NamesAsync(ns, field: "spec.nodeName="));
        Assert.Equal(["a", "b"], await NamesAsync(ns, field: "spec.nodeName!="));
        Assert.Equal(["a"], await NamesAsync(ns, field: "status.phase=Running"));
        Assert.Equal(["b", "c", "d"], await NamesAsync(ns, field: "status.phase!=Running"));
        Assert.Equal(["b"], await NamesAsync(ns, label: "app=web", field: "status.phase==Pending"));
        Assert.Equal(["b"], await NamesAsync(ns, field: "spec.nodeName=node-2,status.phase=Pending"));

        // Across namespaces, metadata.namespace narrows the list to this test's pods.
        var all = await Client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"metadata.namespace={ns}");
        Assert.Equal(4, all.Items.Count);
    }

    [Fact]
    public async Task FieldSelector_UnknownField_Returns400()
    {
        var ns = await SeedPodsAsync();
        var (code, status) = await Errors.FailsAsync(() => Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "spec.foo=bar"));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("BadRequest", (string?)status["reason"]);
        Assert.Contains("field label not supported: spec.foo", (string?)status["message"]);
    }

    [Fact]
    public async Task LimitContinue_25Objects_PagesOfTenAtPinnedResourceVersion()
    {
        var ns = await server.NewNamespaceAsync("page");
        for (var i = 0; i < 25; i++)
            await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = $"cm-{i:D2}", Labels = new Dictionary<string, string> { ["paged"] = "yes" } },
            }, ns);

        var first = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "paged", limit: 10);
        Assert.Equal(10, first.Items.Count);
        Assert.False(string.IsNullOrEmpty(first.Metadata.ContinueProperty));
        Assert.Equal(15, first.Metadata.RemainingItemCount ?? 15);
        var pinned = first.Metadata.ResourceVersion;

        // Written after the first page: a consistent paged list does not show it.
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "cm-99-late", Labels = new Dictionary<string, string> { ["paged"] = "yes" } },
        }, ns);
        // Nor a deletion of an object of a later page.
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("cm-24", ns);

        var second = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "paged", limit: 10, continueParameter: first.Metadata.ContinueProperty);
        Assert.Equal(10, second.Items.Count);
        Assert.Equal(pinned, second.Metadata.ResourceVersion);
        var third = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "paged", limit: 10, continueParameter: second.Metadata.ContinueProperty);
        Assert.Equal(5, third.Items.Count);
        Assert.True(string.IsNullOrEmpty(third.Metadata.ContinueProperty));
        Assert.Equal(pinned, third.Metadata.ResourceVersion);

        var names = first.Items.Concat(second.Items).Concat(third.Items).Select(c => c.Metadata.Name).ToList();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"cm-{i:D2}"), names);

        var now = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "paged");
        Assert.Equal(25, now.Items.Count);
        Assert.Contains(now.Items, c => c.Metadata.Name == "cm-99-late");
        Assert.DoesNotContain(now.Items, c => c.Metadata.Name == "cm-24");
    }

    [Fact]
    public async Task List_ResourceVersion_IsAtLeastEveryItemsAndAdvancesWithWrites()
    {
        var ns = await server.NewNamespaceAsync("rv");
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, ns);
        var list = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        var listRv = long.Parse(list.Metadata.ResourceVersion);
        Assert.All(list.Items, i => Assert.True(long.Parse(i.Metadata.ResourceVersion) <= listRv));
        Assert.True(listRv >= long.Parse(cm.Metadata.ResourceVersion));

        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b" } }, ns);
        var later = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        Assert.True(long.Parse(later.Metadata.ResourceVersion) > listRv);

        // An exact list at the older revision shows the older state.
        var exact = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, resourceVersion: list.Metadata.ResourceVersion, resourceVersionMatch: "Exact");
        Assert.Equal(list.Metadata.ResourceVersion, exact.Metadata.ResourceVersion);
        Assert.DoesNotContain(exact.Items, c => c.Metadata.Name == "b");
    }
}
