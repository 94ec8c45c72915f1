using Bosun.Client;
using Bosun.Controllers.ServiceAccounts;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>The default ServiceAccount in every namespace.</summary>
public sealed class ServiceAccountControllerTests
{
    [Fact]
    public async Task Reconcile_NamespaceWithoutDefault_CreatesItAndRecreatesItWhenDeleted()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new ServiceAccountController(f.Context));
        await f.StartInformersAsync();
        await f.Api.CreateAsync<V1Namespace>(null, new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } }, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "", "team");
        var first = await f.Api.GetAsync<V1ServiceAccount>("team", "default", f.Ct);

        await f.Api.DeleteAsync<V1ServiceAccount>("team", "default", f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "team");

        var second = await f.Api.GetAsync<V1ServiceAccount>("team", "default", f.Ct);
        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
    }

    [Fact]
    public async Task Reconcile_DefaultExists_WritesNothing()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new ServiceAccountController(f.Context));
        await f.StartInformersAsync();
        await f.ReconcileAsync(c, "", "default");
        var before = await f.SnapshotAsync();

        await f.ReconcileAsync(c, "", "default");

        Assert.Equal(before, await f.SnapshotAsync());
        Assert.NotNull(await f.Api.TryGetAsync<V1ServiceAccount>("default", "default", f.Ct));
    }

    [Fact]
    public async Task Reconcile_NamespaceTerminating_CreatesNothing()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new ServiceAccountController(f.Context));
        await f.StartInformersAsync();
        await f.Api.CreateAsync<V1Namespace>(null, new V1Namespace { Metadata = new V1ObjectMeta { Name = "going" } }, f.Ct);
        await f.Api.DeleteAsync<V1Namespace>(null, "going", f.Ct);
        await f.SettleAsync();

        await c.ReconcileAsync(new ObjectKey("", "going"), f.Ct);

        Assert.Null(await f.Api.TryGetAsync<V1ServiceAccount>("going", "default", f.Ct));
    }
}
