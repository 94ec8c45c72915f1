using Bosun.Testing.Etcd;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>
/// A three-member etcd cluster on loopback and two <c>bosun server</c> processes (A, then B) sharing it with one
/// <c>--token</c> and a short leader-election Lease. Both list the etcd leader first, so killing that member makes
/// each server fail over to another endpoint as well as forcing a leader election.
/// </summary>
internal sealed class MultiServerCluster : IAsyncDisposable
{
    public const int LeaseSeconds = 4;
    public const string Token = "e2e-shared-secret";

    private readonly TempDirectory _temp;

    private MultiServerCluster(TempDirectory temp, EtcdCluster etcd, EtcdMember initialLeader, BosunProcess a, BosunProcess b)
    {
        _temp = temp;
        Etcd = etcd;
        InitialEtcdLeader = initialLeader;
        A = a;
        B = b;
    }

    public EtcdCluster Etcd { get; }
    public EtcdMember InitialEtcdLeader { get; }
    public BosunProcess A { get; }
    public BosunProcess B { get; }

    public Kubectl KubectlFor(BosunProcess server) => new(server.KubeconfigPath, _temp.Combine("home"));

    /// <param name="extraArgs">More <c>bosun server</c> flags for both servers (e.g. <c>--node-monitor-grace-period 8</c>).</param>
    public static async Task<MultiServerCluster> StartAsync(string name, params string[] extraArgs)
    {
        var temp = new TempDirectory($"bosun-e2e-{name}");
        EtcdCluster? etcd = null;
        BosunProcess? a = null;
        try
        {
            etcd = await EtcdCluster.StartAsync(3);
            var leader = await etcd.LeaderAsync();
            var endpoints = string.Join(",", new[] { leader }.Concat(etcd.Members.Where(m => m != leader)).Select(m => m.ClientUrl));
            a = await StartServerAsync(temp.Combine("a"), endpoints, extraArgs);
            var b = await StartServerAsync(temp.Combine("b"), endpoints, extraArgs);
            return new MultiServerCluster(temp, etcd, leader, a, b);
        }
        catch
        {
            if (a is not null) await a.DisposeAsync();
            if (etcd is not null) await etcd.DisposeAsync();
            temp.Dispose();
            throw;
        }
    }

    private static Task<BosunProcess> StartServerAsync(string dataDir, string endpoints, string[] extraArgs) =>
        BosunProcess.StartAsync(dataDir, ["--datastore-endpoint", endpoints, "--token", Token,
            "--leader-elect-lease-duration", LeaseSeconds.ToString(), .. extraArgs]);

    /// <summary>The server whose log says it became leader of <paramref name="lease"/> (e.g. kube-scheduler) and is still running.</summary>
    public BosunProcess? LeaderOf(string lease) =>
        new[] { A, B }.FirstOrDefault(s => !s.HasExited && s.Log.Contains($"became leader of {lease}", StringComparison.Ordinal));

    public string Logs => $"server A:\n{A.Log}\nserver B:\n{B.Log}";

    public async ValueTask DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        await Etcd.DisposeAsync();
        _temp.Dispose();
    }
}
