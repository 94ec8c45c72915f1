using System.Text;
using Bosun.Storage.Etcd;
using Bosun.Testing.Etcd;

namespace Bosun.Storage.Tests;

/// <summary><see cref="EtcdStore"/> on a three-member etcd cluster whose leader (the store's first endpoint) is killed.</summary>
[Trait("Category", "Integration")]
public sealed class EtcdStoreFailoverTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private EtcdCluster _etcd = null!;
    private EtcdMember _leader = null!;
    private EtcdStore _store = null!;

    public async Task InitializeAsync()
    {
        // Progress notifications every 100 ms, so a quiet watch learns how far the cluster has got.
        _etcd = await EtcdCluster.StartAsync(3, extraArgs: ["--experimental-watch-progress-notify-interval", "100ms"]);
        _leader = await _etcd.LeaderAsync();
        var endpoints = new[] { _leader }.Concat(_etcd.Members.Where(m => m != _leader)).Select(m => new Uri(m.ClientUrl)).ToList();
        _store = await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = endpoints });
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _etcd.DisposeAsync();
    }

    [Fact]
    public async Task Watch_LeaderMemberKilledMidStream_ResumesOnAnotherMemberWithNoGapOrDuplicate()
    {
        const int writes = 60;
        var start = await _store.CurrentRevisionAsync(default);
        using var timeout = new CancellationTokenSource(Deadline);
        var seen = new List<long>();
        var committed = new List<long>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in _store.WatchAsync("/f/", start, timeout.Token))
            {
                seen.Add(e.Revision);
                if (seen.Count == writes)
                    return;
            }
        });

        for (var i = 0; i < writes; i++)
        {
            if (i == writes / 2)
                _leader.Kill();
            committed.Add(await _store.CreateAsync($"/f/{i:D3}", Encoding.UTF8.GetBytes("v"), timeout.Token));
        }
        await watching.WaitAsync(Deadline);

        Assert.Equal(committed, seen);
        Assert.NotEqual(_leader, await _etcd.LeaderAsync());
    }

    [Fact]
    public async Task Writes_LeaderMemberKilled_ContinueOnTheOthersWithConsecutiveRevisions()
    {
        var before = await _store.CreateAsync("/w/before", Encoding.UTF8.GetBytes("1"), default);

        _leader.Kill();
        var after = await _store.CreateAsync("/w/after", Encoding.UTF8.GetBytes("2"), default);
        var update = await _store.UpdateAsync("/w/before", Encoding.UTF8.GetBytes("3"), before, default);

        Assert.True(after > before);
        Assert.True(update.Succeeded);
        Assert.Equal(["/w/after", "/w/before"], (await _store.RangeAsync(new RangeRequest("/w/"), default)).Items.Select(kv => kv.Key));
    }

    [Fact]
    public async Task Watch_QuietPrefixAfterProgressNotification_ResumesPastCompactedHistoryOfOtherKeys()
    {
        var start = await _store.CurrentRevisionAsync(default);
        using var timeout = new CancellationTokenSource(Deadline);
        await using var watch = _store.WatchAsync("/quiet/", start, timeout.Token).GetAsyncEnumerator();
        var first = watch.MoveNextAsync().AsTask();
        for (var i = 0; i < 20; i++)
            await _store.CreateAsync($"/busy/{i}", Encoding.UTF8.GetBytes("x"), default);
        var busyEnd = await _store.CurrentRevisionAsync(default);
        await Task.Delay(TimeSpan.FromMilliseconds(500));   // several progress notifications

        // The watched member dies and the history the quiet watch would replay from its start is compacted away:
        // only a resume from the notified revision, not from the start, can continue.
        await _store.CompactAsync(busyEnd, default);
        _leader.Kill();
        var revision = await _store.CreateAsync("/quiet/a", Encoding.UTF8.GetBytes("1"), default);

        Assert.True(await first.WaitAsync(Deadline));
        Assert.Equal(revision, watch.Current.Revision);
        Assert.Equal("/quiet/a", watch.Current.Kv.Key);
    }
}
