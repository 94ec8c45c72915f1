using Bosun.Storage;
using Bosun.Storage.Memory;
using Bosun.Storage.Sqlite;

namespace Bosun.Server;

/// <summary>Which storage backend <c>--datastore-endpoint</c> names, picked by URL scheme as kine does.</summary>
internal sealed record Datastore(string Scheme, string Location)
{
    public static Datastore? TryParse(string? endpoint, string dataDir, List<string> problems)
    {
        if (string.IsNullOrEmpty(endpoint)) return new("sqlite", Path.Combine(dataDir, "server", "db", "state.db"));
        if (endpoint == "memory://") return new("memory", "");
        if (endpoint.StartsWith("sqlite://", StringComparison.Ordinal) && endpoint.Length > "sqlite://".Length)
            return new("sqlite", Path.GetFullPath(endpoint["sqlite://".Length..]));
        if (endpoint.StartsWith("http://", StringComparison.Ordinal) || endpoint.StartsWith("https://", StringComparison.Ordinal))
        {
            problems.Add("--datastore-endpoint: etcd endpoints are not implemented yet; use sqlite://PATH or memory://");
            return null;
        }
        problems.Add($"--datastore-endpoint: unsupported endpoint \"{endpoint}\"; use sqlite://PATH or memory://");
        return null;
    }

    public async Task<IKeyValueStore> OpenAsync(CancellationToken ct)
    {
        if (Scheme == "memory") return new MemoryStore();
        Directory.CreateDirectory(Path.GetDirectoryName(Location)!);
        return await SqliteStore.OpenAsync(Location, null, ct);
    }

    public override string ToString() => Scheme == "memory" ? "memory://" : $"sqlite://{Location}";
}
