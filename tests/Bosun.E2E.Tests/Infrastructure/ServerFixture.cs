namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>
/// One bosun server per test class, in its own temp folder (data dir, HOME, kubectl cache), torn down afterwards.
/// Tests put their objects in namespaces of their own, so the order they run in does not matter.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("bosun-e2e");
    private BosunProcess? _server;
    private int _namespaces;

    internal BosunProcess Server => _server ?? throw new InvalidOperationException("fixture not initialised");
    internal Kubectl Kubectl { get; private set; } = null!;
    internal TempDirectory Temp => _temp;

    public async Task InitializeAsync()
    {
        _server = await BosunProcess.StartAsync(_temp.Combine("data"));
        Kubectl = new Kubectl(_server.KubeconfigPath, _temp.Combine("home"));
    }

    /// <summary>Creates a namespace with a unique name (from a manifest, see <see cref="Manifests.Namespace"/>).</summary>
    internal async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        var result = (await Kubectl.RunWithInputAsync(Manifests.Namespace(name), "create", "-f", "-")).Ok();
        Assert.Contains($"namespace/{name} created", result.Stdout);
        return name;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _temp.Dispose();
    }
}
