using System.Security.Cryptography;
using System.Text.Json;
using Bosun.ApiServer.Security;
using Bosun.Storage;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>
/// Lets several servers on one datastore serve one cluster: the first server to start publishes its cluster CA
/// (certificate and key) and admin token file under <see cref="Key"/>, sealed with <c>--token</c>; every later server
/// fetches them into its own state directory before the API server starts, and then issues its own serving and admin
/// certificates from that CA (ClusterPki reissues leaves that do not chain to the CA on disk).
/// </summary>
internal static partial class DatastoreBootstrap
{
    /// <summary>Outside <c>/registry/</c>, so no API resource and no watch cache ever sees it.</summary>
    public const string Key = "/bosun/bootstrap/cluster-ca";

    /// <summary>Paths relative to the server state directory (<c>&lt;data-dir&gt;/server</c>) that every publication holds.</summary>
    private static readonly string[] SharedFiles = ["tls/" + ClusterPki.CaCertFile, "tls/" + ClusterPki.CaKeyFile, "token"];

    /// <summary>
    /// Shared since later versions: the service-account signing key (tokens from one server must verify on the others),
    /// the secrets encryption key and the CAs beyond the cluster CA. A publication from before lacks them; the first
    /// newer server to start adds its own and republishes, so every server converges on one copy.
    /// </summary>
    private static readonly string[] AddedFiles =
    [
        "tls/" + Bosun.ApiServer.Security.ServiceAccounts.ServiceAccountKey.KeyFile,
        "cred/secrets-encryption.key",
        .. ClusterPki.SharedCaFiles.Select(f => "tls/" + f),
    ];

    public static async Task EnsureAsync(IKeyValueStore storage, string stateDir, string token, PkiOptions pki, ILogger logger, CancellationToken ct)
    {
        while (true)
        {
            var stored = await storage.GetAsync(Key, ct);
            if (stored is null)
            {
                var local = CreateLocal(stateDir, pki);
                try
                {
                    await storage.CreateAsync(Key, Seal(local, token), ct);
                    Log.Published(logger, Key);
                    return;
                }
                catch (StorageException e) when (e.Kind == StorageErrorKind.Exists)
                {
                    continue;   // another server published first: take its CA instead of ours
                }
            }
            var files = Open(stored, token);
            var changed = WriteShared(stateDir, files, SharedFiles);
            var missing = AddedFiles.Where(f => !files.ContainsKey(f)).ToList();
            if (missing.Count > 0)
            {
                // Fill in from this server's own files (made now, from the shared CA just written) and republish.
                var local = CreateLocal(stateDir, pki);
                foreach (var name in missing) files[name] = local[name];
                var result = await storage.UpdateAsync(Key, Seal(files, token), stored.ModRevision, ct);
                if (!result.Succeeded) continue;
                Log.Republished(logger, Key, missing.Count);
            }
            changed += WriteShared(stateDir, files, AddedFiles);
            Log.Fetched(logger, Key, changed);
            return;
        }
    }

    /// <summary>Makes (or reuses) this server's CAs, keys and admin token, and returns them for sharing.</summary>
    private static Dictionary<string, string> CreateLocal(string stateDir, PkiOptions pki)
    {
        var tls = Path.Combine(stateDir, "tls");
        ClusterPki.LoadOrCreate(tls, pki, TimeProvider.System).Dispose();
        Bosun.ApiServer.Security.ServiceAccounts.ServiceAccountKey.LoadOrCreate(tls).Dispose();
        Bosun.ApiServer.Security.Encryption.SecretsKeyFile.LoadOrCreate(
            Bosun.ApiServer.Security.Encryption.SecretsKeyFile.PathIn(stateDir), TimeProvider.System);
        TokenFile.EnsureAdminToken(Path.Combine(stateDir, "token"));
        return SharedFiles.Concat(AddedFiles).ToDictionary(f => f, f => File.ReadAllText(Path.Combine(stateDir, f)));
    }

    private static byte[] Seal(Dictionary<string, string> files, string token) =>
        BootstrapCipher.Seal(JsonSerializer.SerializeToUtf8Bytes(files, ServerJson.Default.DictionaryStringString), token);

    private static Dictionary<string, string> Open(KeyValue stored, string token)
    {
        try
        {
            return JsonSerializer.Deserialize(BootstrapCipher.Open(stored.Value.Span, token), ServerJson.Default.DictionaryStringString)
                ?? throw new BootstrapException("the cluster bootstrap data in the datastore is empty");
        }
        catch (CryptographicException)
        {
            throw new BootstrapException("the cluster bootstrap data in the datastore cannot be decrypted with this --token; give the token the first server was started with");
        }
    }

    /// <summary>Writes the shared files that differ from what is on disk (keys 0600); returns how many changed.</summary>
    private static int WriteShared(string stateDir, Dictionary<string, string> files, IEnumerable<string> names)
    {
        var changed = 0;
        foreach (var name in names)
        {
            if (!files.TryGetValue(name, out var content))
                throw new BootstrapException($"the cluster bootstrap data in the datastore lacks {name}");
            var path = Path.Combine(stateDir, name);
            if (File.Exists(path) && File.ReadAllText(path) == content)
                continue;
            WritePrivate(path, content);
            changed++;
        }
        return changed;
    }

    private static void WritePrivate(string path, string content)
    {
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, "");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, ownerOnly);
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Published the cluster CA and admin token to the datastore ({Key}), sealed with --token")]
        public static partial void Published(ILogger logger, string key);

        [LoggerMessage(Level = LogLevel.Information, Message = "Added {Count} files missing from the cluster bootstrap data in the datastore ({Key})")]
        public static partial void Republished(ILogger logger, string key, int count);

        [LoggerMessage(Level = LogLevel.Information, Message = "Using the cluster CA and admin token from the datastore ({Key}); {Changed} local files replaced")]
        public static partial void Fetched(ILogger logger, string key, int changed);
    }
}

/// <summary>The shared bootstrap data cannot be used; the message says what the user should do.</summary>
internal sealed class BootstrapException(string message) : Exception(message);
