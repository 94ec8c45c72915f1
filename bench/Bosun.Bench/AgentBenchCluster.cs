using System.Diagnostics;
using System.Text.RegularExpressions;
using Bosun.Testing.Containers;
using k8s.Models;
using KubeApi = Bosun.Client.ApiClient;

namespace Bosun.Bench;

/// <summary>
/// What a user runs for one node: the Release <c>bosun server --disable-agent</c> (fresh data dir, free port) and
/// <c>bosun agent</c> joined with the join command the server prints (bootstrap token, CA pinned), both as processes,
/// the agent on a private containerd (<see cref="ContainerdFixture"/>: own data dir, bridge, /24, images imported).
/// Needs root, containerd, runc, CNI plugins and busybox-static; everything is removed afterwards.
/// </summary>
internal sealed partial class AgentBenchCluster : IAsyncDisposable
{
    private readonly BenchDirectory serverDir;
    private readonly BosunProcess server;
    private readonly string join;

    private AgentBenchCluster(ContainerdFixture containerd, BenchDirectory serverDir, BosunProcess server, KubeApi api, string join)
    {
        Containerd = containerd;
        this.serverDir = serverDir;
        this.server = server;
        Api = api;
        this.join = join;
    }

    public ContainerdFixture Containerd { get; }

    public KubeApi Api { get; }

    public int ServerPid => server.Pid;

    public static async Task<AgentBenchCluster> StartAsync()
    {
        var containerd = await ContainerdFixture.StartAsync();
        var dir = new BenchDirectory();
        var server = BosunProcess.Start(["server", "--data-dir", dir.Path, "--https-listen-port", BosunProcess.Invariant(BosunProcess.FreePort()),
            "--bind-address", "127.0.0.1", "--disable-agent"]);
        try
        {
            var join = await WaitForAsync(() => JoinLine().Match(server.Output) is { Success: true } m ? m.Value : null, server, "the join command");
            var kubeconfig = Path.Combine(dir.Path, "admin.kubeconfig");
            await WaitForAsync(() => File.Exists(kubeconfig) ? kubeconfig : null, server, "admin.kubeconfig");
            return new AgentBenchCluster(containerd, dir, server, KubeApi.FromKubeconfig(kubeconfig, "bosun-bench-agent"), join);
        }
        catch
        {
            await server.DisposeAsync();
            dir.Dispose();
            await containerd.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <c>bosun agent</c> as node <paramref name="node"/> and waits for the Node to be Ready.</summary>
    public async Task<AgentProcess> StartAgentAsync(string node)
    {
        var dataDir = new BenchDirectory();
        var joinArgs = join.Split(' ')[2..];   // after "bosun agent": --server URL --token K10…
        var agent = BosunProcess.Start(["agent", .. joinArgs, "--data-dir", dataDir.Path, "--container-runtime-endpoint", Containerd.Socket,
            "--node-name", node, "--node-ip", "127.0.0.1", "--disable-kube-proxy", "--disable-cluster-dns",
            "--kubelet-port", BosunProcess.Invariant(BosunProcess.FreePort()), "--cgroup-root", $"/bosun-test-{Containerd.Id}"]);
        var started = new AgentProcess(agent, dataDir);
        try
        {
            var clock = Stopwatch.StartNew();
            await WaitForAsync(async () => (await Api.TryGetAsync<V1Node>(null, node, CancellationToken.None))?.Status?.Conditions?
                .Any(c => c.Type == "Ready" && c.Status == "True") == true ? "ready" : null, agent, $"node {node} Ready");
            Console.WriteLine($"  bosun agent pid {agent.Pid} joined, node {node} Ready in {clock.Elapsed.TotalSeconds:0.0} s");
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await server.DisposeAsync();
        if (Stats.Verbose) Console.WriteLine(Tail(server.Output));
        serverDir.Dispose();
        await Containerd.DisposeAsync();
        if (Containerd.Leftovers.Count > 0) Console.WriteLine("  LEFT ON THE HOST: " + string.Join("; ", Containerd.Leftovers));
    }

    internal static string Tail(string output) => output.Length > 4000 ? output[^4000..] : output;

    private static Task<string> WaitForAsync(Func<string?> probe, BosunProcess process, string what) =>
        WaitForAsync(() => Task.FromResult(probe()), process, what);

    private static async Task<string> WaitForAsync(Func<Task<string?>> probe, BosunProcess process, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"bosun exited waiting for {what}:\n{Tail(process.Output)}");
            if (clock.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException($"no {what} after 90 s:\n{Tail(process.Output)}");
            try
            {
                if (await probe() is { } found) return found;
            }
            catch (HttpRequestException) { }
            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"bosun agent --server \S+ --token \S+")]
    private static partial Regex JoinLine();
}

/// <summary>A running <c>bosun agent</c> and its data dir; stopping leaves pods running, as a stopped kubelet does.</summary>
internal sealed class AgentProcess(BosunProcess process, BenchDirectory dataDir) : IAsyncDisposable
{
    public int Pid => process.Pid;

    public bool HasExited => process.HasExited;

    public string Output => process.Output;

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        if (Stats.Verbose) Console.WriteLine(AgentBenchCluster.Tail(process.Output));
        try { dataDir.Dispose(); }
        catch (IOException e) { Console.WriteLine($"  agent data dir not removed: {e.Message}"); }
    }
}
