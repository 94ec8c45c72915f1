using System.Text.Json;
using Bosun.Storage;

namespace Bosun.Server;

/// <summary>
/// The flags every server of one cluster must agree on (k3s calls them its critical configuration). The first server
/// on a shared datastore records them under <see cref="Key"/>; a later server started with other values refuses to
/// start and says which flag differs, instead of allocating Service IPs from another range, handing out pod CIDRs
/// from another block or telling pods about another DNS address.
/// </summary>
internal sealed record ClusterSettings(string ServiceCidr, string ClusterCidr, string ClusterDns, string ClusterDomain)
{
    /// <summary>Outside <c>/registry/</c>, like the bootstrap data; not secret, so stored as plain JSON.</summary>
    public const string Key = "/bosun/bootstrap/cluster-settings";

    public static ClusterSettings Of(ServerConfig config) =>
        new(config.ServiceCidr.ToString(), config.ClusterCidr.ToString(), config.ClusterDns.ToString(), config.ClusterDomain);

    /// <summary>Records these settings when none are stored; otherwise checks them against the stored ones.</summary>
    public async Task EnsureSameAsync(IKeyValueStore storage, CancellationToken ct)
    {
        var stored = await storage.GetAsync(Key, ct);
        if (stored is null)
        {
            try
            {
                await storage.CreateAsync(Key, JsonSerializer.SerializeToUtf8Bytes(this, ServerJson.Default.ClusterSettings), ct);
                return;
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.Exists)
            {
                stored = await storage.GetAsync(Key, ct);   // another server recorded its settings first: compare with those
                if (stored is null) throw;
            }
        }
        var recorded = Parse(stored.Value.Span);
        if (Mismatch(recorded) is { } problem)
            throw new BootstrapException(problem);
    }

    /// <summary>The first flag that differs from <paramref name="recorded"/>, as the message the user reads; null when all agree.</summary>
    public string? Mismatch(ClusterSettings recorded)
    {
        var differing = new (string Flag, string Mine, string Theirs)[]
        {
            ("--service-cidr", ServiceCidr, recorded.ServiceCidr),
            ("--cluster-cidr", ClusterCidr, recorded.ClusterCidr),
            ("--cluster-dns", ClusterDns, recorded.ClusterDns),
            ("--cluster-domain", ClusterDomain, recorded.ClusterDomain),
        }.Where(f => f.Mine != f.Theirs).ToList();
        if (differing.Count == 0) return null;
        var list = string.Join(", ", differing.Select(f => $"{f.Flag} {f.Mine} (the cluster uses {f.Theirs})"));
        return $"critical configuration differs from the cluster's, recorded in the datastore by its first server: {list}; " +
               "every server of a cluster must be started with the same --service-cidr, --cluster-cidr, --cluster-dns and --cluster-domain";
    }

    private static ClusterSettings Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ServerJson.Default.ClusterSettings)
                ?? throw new BootstrapException($"the cluster settings in the datastore ({Key}) are empty");
        }
        catch (JsonException e)
        {
            throw new BootstrapException($"the cluster settings in the datastore ({Key}) cannot be read: {e.Message}");
        }
    }
}
