using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Bosun.Testing.Etcd;

/// <summary>
/// A real etcd cluster (the installed <c>etcd</c> binary) on free loopback ports with its own data directory under
/// /dev/shm (no disk syncs to wait for). Members are processes this object started; it stops them by PID and deletes
/// the data directory on dispose.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private readonly List<EtcdMember> _members;

    private EtcdCluster(string root, List<EtcdMember> members)
    {
        Root = root;
        _members = members;
    }

    public string Root { get; }

    public IReadOnlyList<EtcdMember> Members => _members;

    /// <summary>Client URLs of every member, comma-separated, as <c>--datastore-endpoint</c> takes them.</summary>
    public string Endpoints => string.Join(",", _members.Select(m => m.ClientUrl));

    public IReadOnlyList<Uri> EndpointUris => _members.Select(m => new Uri(m.ClientUrl)).ToList();

    /// <summary>
    /// Starts <paramref name="size"/> members and waits until the cluster has a leader. <paramref name="prepare"/> runs
    /// for each member before it starts (e.g. to restore a snapshot into its data directory); <paramref name="onDisk"/>
    /// puts the data under the temp dir instead of /dev/shm.
    /// </summary>
    public static async Task<EtcdCluster> StartAsync(int size = 1, Func<EtcdMember, Task>? prepare = null, bool onDisk = false, params string[] extraArgs) =>
        await StartAsync(size, prepare, onDisk, tls: null, extraArgs);

    /// <summary>As above; with <paramref name="tls"/> the members serve clients over https and require client certificates.</summary>
    public static async Task<EtcdCluster> StartAsync(int size, Func<EtcdMember, Task>? prepare, bool onDisk, EtcdTlsFiles? tls, params string[] extraArgs)
    {
        // Tests keep members in memory (/dev/shm); benchmarks ask for the disk, where etcd's fsyncs cost what they cost.
        var parent = !onDisk && Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var root = Directory.CreateDirectory(Path.Combine(parent, $"bosun-etcd-{Guid.NewGuid():N}")).FullName;
        var members = Enumerable.Range(0, size)
            .Select(i => new EtcdMember($"m{i}", Path.Combine(root, $"m{i}"), FreePort(), FreePort(), [.. extraArgs, .. tls?.ServerArgs() ?? []]) { Tls = tls is not null })
            .ToList();
        var initialCluster = string.Join(",", members.Select(m => $"{m.Name}={m.PeerUrl}"));
        var token = Path.GetFileName(root);
        var cluster = new EtcdCluster(root, members);
        try
        {
            foreach (var member in members)
            {
                if (prepare is not null)
                    await prepare(member);
                member.Start(initialCluster, token);
            }
            await cluster.WaitHealthyAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until every running member reports healthy (which needs a leader).</summary>
    public async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + ReadyTimeout;
        foreach (var member in _members.Where(m => m.IsRunning))
        {
            while (!await member.IsHealthyAsync(http))
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"etcd member {member.Name} not healthy; log: {member.LogTail()}");
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The member that is the Raft leader now, as the members report it.</summary>
    public async Task<EtcdMember> LeaderAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            foreach (var member in _members.Where(m => m.IsRunning))
            {
                if (await member.IsLeaderAsync(http))
                    return member;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("no etcd leader");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
            member.Kill();
        await Task.Yield();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One etcd process; the test kills and restarts it by PID.</summary>
public sealed class EtcdMember(string name, string dataDir, int clientPort, int peerPort, string[] extraArgs)
{
    private Process? _process;
    private string? _initialCluster;
    private string? _token;

    public string Name { get; } = name;

    public string DataDir { get; } = dataDir;

    /// <summary>Clients must use https and a client certificate (health is then checked by TCP connect only).</summary>
    public bool Tls { get; init; }

    public string ClientUrl => $"{(Tls ? "https" : "http")}://127.0.0.1:{clientPort}";

    public string PeerUrl => $"http://127.0.0.1:{peerPort}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The running process's id (benchmarks read its CPU time from /proc), or null.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>Extra environment for the process (e.g. GOGC), set before it starts.</summary>
    public Dictionary<string, string> Environment { get; } = [];

    private string LogFile => DataDir + ".log";

    public void Start(string initialCluster, string token)
    {
        _initialCluster = initialCluster;
        _token = token;
        Start();
    }

    /// <summary>Starts (or restarts after <see cref="Kill"/>) the member on its data directory.</summary>
    public void Start()
    {
        var state = Directory.Exists(DataDir) ? "existing" : "new";
        var start = new ProcessStartInfo("etcd")
        {
            RedirectStandardOutput = false,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        string[] args =
        [
            "--name", Name, "--data-dir", DataDir,
            "--listen-client-urls", ClientUrl, "--advertise-client-urls", ClientUrl,
            "--listen-peer-urls", PeerUrl, "--initial-advertise-peer-urls", PeerUrl,
            "--initial-cluster", _initialCluster!, "--initial-cluster-state", state, "--initial-cluster-token", _token!,
            "--heartbeat-interval", "50", "--election-timeout", "500",
            "--logger", "zap", "--log-outputs", LogFile, "--log-level", "warn",
        ];
        foreach (var arg in args.Concat(extraArgs))
            start.ArgumentList.Add(arg);
        foreach (var (name, value) in Environment)
            start.Environment[name] = value;
        _process = Process.Start(start) ?? throw new InvalidOperationException("etcd did not start");
    }

    /// <summary>SIGKILL, by the PID this object started.</summary>
    public void Kill()
    {
        if (_process is null)
            return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _process = null;
    }

    public async Task<bool> IsHealthyAsync(HttpClient http)
    {
        if (Tls)
            return await AcceptsConnectionsAsync();
        try
        {
            var body = await http.GetStringAsync($"{ClientUrl}/health");
            return body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Asks the member's status through etcd's JSON gateway: it is the leader when its member id is the leader id.</summary>
    public async Task<bool> IsLeaderAsync(HttpClient http)
    {
        try
        {
            using var response = await http.PostAsync($"{ClientUrl}/v3/maintenance/status", new StringContent("{}"));
            var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return json.TryGetProperty("leader", out var leader)
                && json.GetProperty("header").GetProperty("member_id").GetString() == leader.GetString();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private async Task<bool> AcceptsConnectionsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, clientPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public string LogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            return string.Join("\n", lines.TakeLast(20));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}

/// <summary>PEM files for an etcd that serves clients over TLS and requires client certificates signed by <see cref="CaFile"/>.</summary>
public sealed record EtcdTlsFiles(string CaFile, string ServerCertFile, string ServerKeyFile)
{
    public IEnumerable<string> ServerArgs() =>
        ["--cert-file", ServerCertFile, "--key-file", ServerKeyFile, "--trusted-ca-file", CaFile, "--client-cert-auth"];
}
