namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>
/// A <c>bosun server</c> with a short <c>--node-monitor-grace-period</c> plus a <c>bosun simulate-nodes --count 3</c>
/// child process (nodes <c>sim-0</c> … <c>sim-2</c>, Lease renewed every second); ready once kubectl shows all three
/// nodes Ready.
/// </summary>
public sealed class SimulatedClusterFixture : IAsyncLifetime
{
    public const int GracePeriodSeconds = 8;
    public const int HeartbeatSeconds = 1;
    public static readonly string[] NodeNames = ["sim-0", "sim-1", "sim-2"];

    private readonly TempDirectory _temp = new("bosun-e2e-sim");
    private BosunProcess? _server;
    private SimulatedNodesProcess? _nodes;
    private int _namespaces;

    internal BosunProcess Server => _server ?? throw new InvalidOperationException("fixture not initialised");
    internal SimulatedNodesProcess Nodes => _nodes ?? throw new InvalidOperationException("fixture not initialised");
    internal Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await BosunProcess.StartAsync(_temp.Combine("data"), "--node-monitor-grace-period", GracePeriodSeconds.ToString());
        Kubectl = new Kubectl(_server.KubeconfigPath, _temp.Combine("home"));
        _nodes = StartNodes(NodeNames.Length, "sim-");
        await WaitNodesReadyAsync(NodeNames, TimeSpan.FromSeconds(60));
    }

    /// <summary>Another <c>simulate-nodes</c> process (killed with the fixture unless the test kills it first).</summary>
    internal SimulatedNodesProcess StartNodes(int count, string prefix) =>
        SimulatedNodesProcess.Start(Server.KubeconfigPath, count, prefix, HeartbeatSeconds);

    /// <summary>Polls <c>kubectl get nodes</c> until every one of <paramref name="names"/> has STATUS Ready.</summary>
    internal async Task WaitNodesReadyAsync(IReadOnlyCollection<string> names, TimeSpan timeout)
    {
        KubectlResult? last = null;
        try
        {
            await Poll.UntilAsync(async () =>
            {
                if (_nodes is { HasExited: true }) throw new InvalidOperationException($"bosun simulate-nodes exited:\n{_nodes.Log}");
                last = await Kubectl.RunAsync("get", "nodes", "--no-headers");
                return last.ExitCode == 0 && names.All(n => last.Lines.Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var name, "Ready", ..] && name == n));
            }, timeout, $"nodes {string.Join(", ", names)} Ready");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nlast: {last}\nsimulate-nodes log:\n{_nodes?.Log}");
        }
    }

    internal async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        (await Kubectl.RunWithInputAsync(Manifests.Namespace(name), "create", "-f", "-")).Ok();
        return name;
    }

    public async Task DisposeAsync()
    {
        if (_nodes is not null) await _nodes.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
        _temp.Dispose();
    }
}
