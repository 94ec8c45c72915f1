using Bosun.Storage;
using Bosun.Storage.Etcd;
using Bosun.Storage.Memory;
using Bosun.Storage.Sqlite;

namespace Bosun.Server;

/// <summary>
/// Which storage backend <c>--datastore-endpoint</c> names, picked by URL scheme as k3s does: <c>sqlite://PATH</c>,
/// <c>memory://</c>, or etcd client URLs <c>http(s)://host:port[,host:port…]</c> with optional TLS files.
/// </summary>
internal sealed record Datastore(string Scheme, string Location, EtcdStoreOptions? Etcd = null)
{
    public static Datastore? TryParse(string? endpoint, string dataDir, DatastoreTls tls, List<string> problems)
    {
        var etcd = endpoint is not null && (endpoint.StartsWith("http://", StringComparison.Ordinal) || endpoint.StartsWith("https://", StringComparison.Ordinal));
        if (!etcd && tls.Any) problems.Add("--datastore-cafile, --datastore-certfile and --datastore-keyfile apply to etcd endpoints only");
        if (string.IsNullOrEmpty(endpoint)) return new("sqlite", Path.Combine(dataDir, "server", "db", "state.db"));
        if (endpoint == "memory://") return new("memory", "");
        if (endpoint.StartsWith("sqlite://", StringComparison.Ordinal) && endpoint.Length > "sqlite://".Length)
            return new("sqlite", Path.GetFullPath(endpoint["sqlite://".Length..]));
        if (etcd) return TryParseEtcd(endpoint, tls, problems);
        problems.Add($"--datastore-endpoint: unsupported endpoint \"{endpoint}\"; use sqlite://PATH, memory:// or http(s)://HOST:PORT[,HOST:PORT...] (etcd)");
        return null;
    }

    private static Datastore? TryParseEtcd(string endpoint, DatastoreTls tls, List<string> problems)
    {
        IReadOnlyList<Uri> endpoints;
        try
        {
            endpoints = EtcdEndpoints.Parse(endpoint);
        }
        catch (FormatException e)
        {
            problems.Add($"--datastore-endpoint: {e.Message}");
            return null;
        }
        if (tls.CertFile is null != tls.KeyFile is null) problems.Add("--datastore-certfile and --datastore-keyfile must be given together");
        foreach (var (flag, file) in tls.Files())
        {
            if (!File.Exists(file)) problems.Add($"{flag}: {file} does not exist");
        }
        var options = new EtcdStoreOptions
        {
            Endpoints = endpoints,
            CaFile = FullPath(tls.CaFile),
            CertFile = FullPath(tls.CertFile),
            KeyFile = FullPath(tls.KeyFile),
        };
        return new("etcd", string.Join(",", endpoints.Select(u => u.ToString().TrimEnd('/'))), options);
    }

    private static string? FullPath(string? path) => path is null ? null : Path.GetFullPath(path);

    public async Task<IKeyValueStore> OpenAsync(CancellationToken ct)
    {
        if (Scheme == "memory") return new MemoryStore();
        if (Scheme == "etcd") return await EtcdStore.OpenAsync(Etcd!, ct);
        Directory.CreateDirectory(Path.GetDirectoryName(Location)!);
        return await SqliteStore.OpenAsync(Location, null, ct);
    }

    public override string ToString() => Scheme switch
    {
        "memory" => "memory://",
        "etcd" => $"etcd {Location}",
        _ => $"sqlite://{Location}",
    };
}

/// <summary>The <c>--datastore-cafile/-certfile/-keyfile</c> flags.</summary>
internal sealed record DatastoreTls(string? CaFile = null, string? CertFile = null, string? KeyFile = null)
{
    public bool Any => CaFile is not null || CertFile is not null || KeyFile is not null;

    public IEnumerable<(string Flag, string File)> Files()
    {
        if (CaFile is not null) yield return ("--datastore-cafile", CaFile);
        if (CertFile is not null) yield return ("--datastore-certfile", CertFile);
        if (KeyFile is not null) yield return ("--datastore-keyfile", KeyFile);
    }
}
