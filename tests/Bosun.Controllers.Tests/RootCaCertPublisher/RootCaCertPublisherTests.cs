using k8s.Models;
using Publisher = Bosun.Controllers.RootCaCertPublisher.RootCaCertPublisher;

namespace Bosun.Controllers.Tests.RootCaCertPublisher;

public sealed class RootCaCertPublisherTests
{
    private const string Ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    [Fact]
    public async Task Reconcile_Namespace_CreatesConfigMapAndRestoresEditedCa()
    {
        var f = await ControllerFixture.StartAsync();
        await using var _ = f;
        var c = f.Add(new Publisher(f.Context, Ca));
        await f.StartInformersAsync();

        await f.ReconcileAsync(c, "default", Publisher.ConfigMapName);
        var cm = await f.Api.GetAsync<V1ConfigMap>("default", "kube-root-ca.crt", f.Ct);
        Assert.Equal(Ca, cm.Data["ca.crt"]);

        cm.Data["ca.crt"] = "tampered";
        await f.Api.UpdateAsync("default", "kube-root-ca.crt", cm, f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", Publisher.ConfigMapName);
        Assert.Equal(Ca, (await f.Api.GetAsync<V1ConfigMap>("default", "kube-root-ca.crt", f.Ct)).Data["ca.crt"]);

        var before = await f.SnapshotAsync();
        await f.ReconcileAsync(c, "default", Publisher.ConfigMapName);
        Assert.Equal(before, await f.SnapshotAsync());
    }
}
