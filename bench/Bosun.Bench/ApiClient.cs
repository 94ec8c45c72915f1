using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Bosun.ApiServer;
using Bosun.Storage.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Bench;

/// <summary>
/// An API server started in this process on a fresh SQLite file (the same store and settings <c>bosun server</c> uses),
/// listening on 127.0.0.1 with a free port. The PKI in <paramref name="stateDirectory"/> is reused between instances.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly Bosun.Storage.IKeyValueStore store;
    private readonly ApiServerHost host;

    private InProcessServer(Bosun.Storage.IKeyValueStore store, ApiServerHost host)
    {
        this.store = store;
        this.host = host;
    }

    public Uri Url => host.Url;
    public string Token => host.AdminToken;

    /// <summary>(revision, committed write transactions) of a SQLite store, to show how well group commit batches; null on other stores.</summary>
    public (long Revision, long Batches)? CommitStats() =>
        store is SqliteStore s ? (s.CurrentRevisionAsync(CancellationToken.None).Result, s.CommittedBatches) : null;

    /// <summary>The last background WAL checkpoint of a SQLite store, for the verbose line.</summary>
    public string CheckpointInfo() => store is SqliteStore s ? $"{s.Checkpoints} checkpoints, last {s.LastCheckpoint}" : "";

    /// <summary>The SQLite writer's time split (null on other stores), with the batch count.</summary>
    public (WriterTimes Times, long Batches)? WriterStats() => store is SqliteStore s ? (s.WriterTimes, s.CommittedBatches) : null;

    /// <summary>One line on how busy the single SQLite writer was between two <see cref="WriterStats"/> readings over <paramref name="wallSeconds"/>.</summary>
    public static string DescribeWriter((WriterTimes Times, long Batches)? before, (WriterTimes Times, long Batches)? after, double wallSeconds)
    {
        if (before is not { } b || after is not { } a) return "";
        double Us(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
        var batches = Math.Max(1, a.Batches - b.Batches);
        var rows = Math.Max(1, a.Times.Rows - b.Times.Rows);
        var busy = Us(a.Times.Busy - b.Times.Busy);
        return $"writer busy {busy / 1e4 / wallSeconds:0}% of wall, {rows / (double)batches:0.0} rows/batch, per row {busy / rows:0.0} µs " +
            $"(apply {Us(a.Times.Apply - b.Times.Apply) / rows:0.0}, commit {Us(a.Times.Commit - b.Times.Commit) / rows:0.0}), per batch {busy / batches:0} µs; per write queued {Us(a.Times.QueueWait - b.Times.QueueWait) / rows:0} µs, " +
            $"resumed {Us(a.Times.Resume - b.Times.Resume) / Math.Max(1, a.Times.Resumes - b.Times.Resumes):0} µs after its answer; " +
            $"{a.Times.SlowCommits - b.Times.SlowCommits} of {batches} commits > 1 ms took {Us(a.Times.SlowCommit - b.Times.SlowCommit) / 1e3:0} ms; " +
            $"{a.Times.CatchUps - b.Times.CatchUps} WAL catch-ups took {Us(a.Times.CatchUp - b.Times.CatchUp) / 1e3:0} ms";
    }

    public static async Task<InProcessServer> StartAsync(string stateDirectory, string databasePath) =>
        await StartAsync(stateDirectory, await SqliteStore.OpenAsync(databasePath));

    /// <summary>The same server on any store (etcd for the etcd case); the server owns and disposes it.</summary>
    public static async Task<InProcessServer> StartAsync(string stateDirectory, Bosun.Storage.IKeyValueStore store)
    {
        var host = await ApiServerHost.StartAsync(
            new ApiServerConfig { StateDirectory = stateDirectory, BindAddress = IPAddress.Loopback, Port = 0 },
            store, ServerLog.Factory, TimeProvider.System, CancellationToken.None);
        return new InProcessServer(store, host);
    }

    /// <summary>A client with its own connection pool: one HTTP/2 connection unless <paramref name="multipleConnections"/>.</summary>
    public HttpClient NewClient(bool multipleConnections = false) => ApiClient.Create(Url, Token, multipleConnections);

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        await store.DisposeAsync();
    }
}

/// <summary>
/// The in-process server's log: nothing, unless BOSUN_BENCH_SERVER_LOG=1, then its warnings and errors (Kestrel's failed
/// TLS handshakes among them, logged at debug there, so the HTTPS categories go down to debug) on standard error.
/// </summary>
internal static class ServerLog
{
    public static ILoggerFactory Factory { get; } = Environment.GetEnvironmentVariable("BOSUN_BENCH_SERVER_LOG") == "1"
        ? new StderrLoggerFactory()
        : NullLoggerFactory.Instance;

    private sealed class StderrLoggerFactory : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new StderrLogger(categoryName);
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }

    private sealed class StderrLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            logLevel >= LogLevel.Warning || (logLevel >= LogLevel.Debug && category.Contains("Https", StringComparison.Ordinal));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                Console.Error.WriteLine($"[server {logLevel} {category}] {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message}");
        }
    }
}

/// <summary>Low-allocation helpers for talking to the API server over HTTPS/HTTP2 with the admin token.</summary>
internal static class ApiClient
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    public static HttpClient Create(Uri url, string token, bool multipleConnections = false)
    {
        var handler = new SocketsHttpHandler
        {
            // Loopback benchmark against a throw-away CA: skip verification rather than install the CA.
            SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
            EnableMultipleHttp2Connections = multipleConnections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = url,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // Real clients name themselves (kubectl/…, client-go's binary name), and the API server records a managedFields
        // Update entry for every named writer; without a user agent that per-write cost would be skipped.
        client.DefaultRequestHeaders.UserAgent.ParseAdd("bosun-bench/1.0");
        return client;
    }

    /// <summary>A ConfigMap whose JSON is about <see cref="RawSqlite.ValueSize"/> bytes, like the raw SQLite rows.</summary>
    public static byte[] ConfigMap(string name, string? resourceVersion = null, string? ts = null)
    {
        // The same bytes as formatting the whole JSON as a string and encoding it, without the 1.5 KB string per request
        // (the benchmark client's cost is counted in CPU per create; the server sees an identical body).
        var rv = resourceVersion is null ? "" : $",\"resourceVersion\":\"{resourceVersion}\"";
        var t = ts is null ? "" : $"\"ts\":\"{ts}\",";
        ReadOnlySpan<byte> head = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""u8;
        ReadOnlySpan<byte> afterName = "\""u8;
        ReadOnlySpan<byte> data = "},\"data\":{"u8;
        ReadOnlySpan<byte> payloadKey = "\"payload\":\""u8;
        ReadOnlySpan<byte> tail = "\"}}"u8;
        var length = head.Length + Encoding.UTF8.GetByteCount(name) + afterName.Length + Encoding.UTF8.GetByteCount(rv) + data.Length
            + Encoding.UTF8.GetByteCount(t) + payloadKey.Length + PayloadBytes.Length + tail.Length;
        var body = new byte[length];
        var at = 0;
        void Put(ReadOnlySpan<byte> part)
        {
            part.CopyTo(body.AsSpan(at));
            at += part.Length;
        }
        Put(head);
        at += Encoding.UTF8.GetBytes(name, body.AsSpan(at));
        Put(afterName);
        at += Encoding.UTF8.GetBytes(rv, body.AsSpan(at));
        Put(data);
        at += Encoding.UTF8.GetBytes(t, body.AsSpan(at));
        Put(payloadKey);
        Put(PayloadBytes);
        Put(tail);
        return body;
    }

    private static readonly string Payload = new('x', 700);
    private static readonly byte[] PayloadBytes = Encoding.UTF8.GetBytes(Payload);

    public static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonType;
        return content;
    }

    /// <summary>POSTs and returns the response body; throws on anything but <paramref name="expected"/>.</summary>
    public static async Task<byte[]> SendAsync(HttpClient client, HttpMethod method, string path, byte[]? body, HttpStatusCode expected, CancellationToken ct = default)
    {
        // HttpClient.DefaultRequestVersion only applies to its convenience methods; a hand-made request is HTTP/1.1
        // unless it says otherwise (the benchmark ran over HTTP/1.1 connections before this was set).
        using var request = new HttpRequestMessage(method, path) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
        if (body is not null) request.Content = Json(body);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.StatusCode != expected)
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
        return bytes;
    }

    /// <summary>The first <c>"resourceVersion":"…"</c> value in a JSON body (the object's or the list's).</summary>
    public static string ResourceVersion(ReadOnlySpan<byte> json)
    {
        var marker = "\"resourceVersion\":\""u8;
        var at = json.IndexOf(marker);
        if (at < 0) throw new InvalidOperationException("no resourceVersion in response");
        var rest = json[(at + marker.Length)..];
        return Encoding.ASCII.GetString(rest[..rest.IndexOf((byte)'"')]);
    }

    public static async Task EnsureNamespaceAsync(HttpClient client, string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces")
        {
            Content = Json(Encoding.UTF8.GetBytes($"{{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{{\"name\":\"{name}\"}}}}")),
        };
        using var response = await client.SendAsync(request);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
            throw new InvalidOperationException($"create namespace {name}: {(int)response.StatusCode}");
    }
}

/// <summary>Percentiles, medians and the summary table shared by the benchmarks.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Nearest-rank percentile of already sorted values.</summary>
    public static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static double Ms(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;

    public static bool Verbose => Environment.GetEnvironmentVariable("BOSUN_BENCH_VERBOSE") == "1";
}

/// <summary>One line of the final summary: a target, the median measured, and whether it is met.</summary>
internal sealed record SummaryRow(string Target, string Measured, string Limit, bool Pass, string Detail = "");

/// <summary>
/// Server-side timings from the in-process server's Prometheus histograms (same process): mean request time as Kestrel's
/// pipeline sees it and mean storage time, to tell server work from queueing in TLS/HTTP/2 and the client.
/// </summary>
internal readonly record struct ServerTimes(double RequestSum, double RequestCount, double StorageSum, double StorageCount)
{
    public static ServerTimes Now()
    {
        double rs = 0, rc = 0, ss = 0, sc = 0;
        foreach (var verb in new[] { "create", "update" })
        {
            var r = Bosun.ApiServer.Metrics.RequestDuration.WithLabels(verb, "", "configmaps");
            rs += r.Sum;
            rc += r.Count;
            var s = Bosun.ApiServer.Metrics.StorageDuration.WithLabels(verb);
            ss += s.Sum;
            sc += s.Count;
        }
        return new ServerTimes(rs, rc, ss, sc);
    }

    public string Since(ServerTimes before) =>
        $"server mean {1000 * (RequestSum - before.RequestSum) / Math.Max(1, RequestCount - before.RequestCount):0.00} ms, " +
        $"storage mean {1000 * (StorageSum - before.StorageSum) / Math.Max(1, StorageCount - before.StorageCount):0.00} ms";
}
