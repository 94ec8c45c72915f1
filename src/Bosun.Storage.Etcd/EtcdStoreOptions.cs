namespace Bosun.Storage.Etcd;

/// <summary>Where the etcd cluster is and how to reach it; the defaults suit an API server.</summary>
public sealed record EtcdStoreOptions
{
    /// <summary>Client URLs of the cluster members (http or https); requests fail over between them in order.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>PEM CA bundle that signed the members' serving certificates; null = the system trust store.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate and key for etcd's client-cert authentication; both or neither.</summary>
    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>Events buffered per watcher before it is dropped as too slow.</summary>
    public int WatchBufferSize { get; init; } = 10_000;

    /// <summary>How long one request may take on one member before the next member is tried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long requests keep failing over (all members down, no leader) before the store reports Unavailable.</summary>
    public TimeSpan UnavailableTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
