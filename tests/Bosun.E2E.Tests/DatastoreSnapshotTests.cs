using Bosun.E2E.Tests.Infrastructure;
using Bosun.Testing.Etcd;

namespace Bosun.E2E.Tests;

/// <summary><c>bosun datastore snapshot save/restore</c>: save while the server runs, wipe, restore into a new data dir, start again.</summary>
[Trait("Category", "E2E")]
public sealed class DatastoreSnapshotTests : IDisposable
{
    private const string Token = "snapshot-secret";
    private readonly TempDirectory _temp = new("bosun-e2e-snapshot");

    private Kubectl KubectlFor(BosunProcess server) => new(server.KubeconfigPath, _temp.Combine("home"));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task SqliteSnapshot_SavedOnline_RestoresIntoNewDataDirWithSameObjectsAndResourceVersions()
    {
        var snapshot = _temp.Combine("state.snapshot");
        Dictionary<string, string> before;
        await using (var server = await BosunProcess.StartAsync(_temp.Combine("old")))
        {
            before = await WriteObjectsAsync(KubectlFor(server));
            (await BosunCommand.RunAsync("datastore", "snapshot", "save", snapshot, "--data-dir", server.DataDir)).Ok();
            await server.KillAsync();
        }
        Directory.Delete(_temp.Combine("old"), recursive: true);

        (await BosunCommand.RunAsync("datastore", "snapshot", "restore", snapshot, "--data-dir", _temp.Combine("new"))).Ok();

        await using var restored = await BosunProcess.StartAsync(_temp.Combine("new"));
        await AssertSameAndWritableAsync(before, KubectlFor(restored));
    }

    [Fact]
    public async Task EtcdSnapshot_SavedOnline_RestoresIntoNewEtcdWithSameObjectsAndResourceVersions()
    {
        var snapshot = _temp.Combine("etcd.snapshot");
        Dictionary<string, string> before;
        await using (var etcd = await EtcdCluster.StartAsync())
        await using (var server = await BosunProcess.StartAsync(_temp.Combine("old"), "--datastore-endpoint", etcd.Endpoints, "--token", Token))
        {
            before = await WriteObjectsAsync(KubectlFor(server));
            (await BosunCommand.RunAsync("datastore", "snapshot", "save", snapshot, "--datastore-endpoint", etcd.Endpoints)).Ok();
            await server.KillAsync();
        }

        await using var restoredEtcd = await EtcdCluster.StartAsync(1, async member =>
            (await BosunCommand.RunAsync("datastore", "snapshot", "restore", snapshot,
                "--etcd-data-dir", member.DataDir, "--etcd-name", member.Name, "--etcd-peer-url", member.PeerUrl)).Ok());
        await using var restored = await BosunProcess.StartAsync(_temp.Combine("new"), "--datastore-endpoint", restoredEtcd.Endpoints, "--token", Token);
        await AssertSameAndWritableAsync(before, KubectlFor(restored));
    }

    /// <summary>The restored cluster lists the same objects at the same versions, and its next write comes after all of them.</summary>
    private static async Task AssertSameAndWritableAsync(Dictionary<string, string> before, Kubectl kubectl)
    {
        Assert.Equal(5, before.Count);
        Assert.Equal(before, await ReadObjectsAsync(kubectl));
        var next = (await kubectl.RunAsync("create", "configmap", "after-restore", "-n", "snap", "-o", "jsonpath={.metadata.resourceVersion}")).Ok();
        Assert.All(before.Values, v => Assert.True(long.Parse(next.Stdout) > long.Parse(v.Split(';')[0])));
    }

    /// <summary>Creates, updates and deletes ConfigMaps in their own namespace; returns name → resourceVersion.</summary>
    private static async Task<Dictionary<string, string>> WriteObjectsAsync(Kubectl kubectl)
    {
        (await kubectl.RunAsync("create", "namespace", "snap")).Ok();
        for (var i = 0; i < 6; i++)
            (await kubectl.RunAsync("create", "configmap", $"cm-{i}", "-n", "snap", $"--from-literal=i={i}")).Ok();
        (await kubectl.RunAsync("label", "configmap", "cm-1", "-n", "snap", "updated=yes")).Ok();
        (await kubectl.RunAsync("delete", "configmap", "cm-2", "-n", "snap")).Ok();
        (await kubectl.RunAsync("label", "configmap", "cm-0", "-n", "snap", "updated=yes")).Ok();
        return await ReadObjectsAsync(kubectl);
    }

    private static async Task<Dictionary<string, string>> ReadObjectsAsync(Kubectl kubectl)
    {
        var result = (await kubectl.RunAsync("get", "configmaps", "-n", "snap", "-l", "!never",
            "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion};{.data.i}{\"\\n\"}{end}")).Ok();
        return result.Lines.Where(l => l.StartsWith("cm-", StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }
}
