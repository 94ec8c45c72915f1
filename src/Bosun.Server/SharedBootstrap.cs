using Bosun.ApiServer.Security;
using Bosun.Storage;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>The one call <see cref="ServerHost"/> makes for multi-server bootstrap: a no-op without <c>--token</c>.</summary>
internal static class SharedBootstrap
{
    /// <summary>False (after printing why) when the shared data cannot be used, e.g. a wrong token.</summary>
    public static async Task<bool> TryEnsureAsync(ServerConfig config, IKeyValueStore storage, ILogger logger, CancellationToken ct)
    {
        if (config.Token is null)
            return true;
        var pki = new PkiOptions { ClusterDomain = config.ClusterDomain, ServiceCidr = config.ServiceCidr.ToString() };
        try
        {
            await DatastoreBootstrap.EnsureAsync(storage, Path.Combine(config.DataDir, "server"), config.Token, pki, logger, ct);
            await ClusterSettings.Of(config).EnsureSameAsync(storage, ct);
            return true;
        }
        catch (BootstrapException e)
        {
            await Console.Error.WriteLineAsync($"bosun server: {e.Message}");
            return false;
        }
    }
}
