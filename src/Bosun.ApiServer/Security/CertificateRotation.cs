using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Security;

/// <summary>
/// The API server's certificate manager loop: every <see cref="Interval"/> it runs <see cref="ClusterPki.Refresh"/>,
/// which renews leaves within the renewal window and picks up files that <c>bosun certificate rotate</c> replaced, and
/// then calls <paramref name="onChanged"/> (which rewrites the kubeconfigs that embed the admin certificate).
/// </summary>
internal sealed partial class CertificateRotation(ClusterPki pki, Action<IReadOnlyList<string>> onChanged, TimeProvider time, ILogger logger)
{
    /// <summary>A stat of three files per round, so it can be short: a rotated certificate is served within seconds.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(Interval, time, ct);
            RunOnce();
        }
    }

    /// <summary>One round; a failure (e.g. a half-written file) is logged and retried on the next round.</summary>
    public void RunOnce()
    {
        try
        {
            var changed = pki.Refresh();
            if (changed.Count == 0) return;
            onChanged(changed);
            Log.Rotated(logger, string.Join(", ", changed));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            Log.Failed(logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Certificates renewed or reloaded: {Files}")]
        public static partial void Rotated(ILogger logger, string files);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Certificate refresh failed; retrying")]
        public static partial void Failed(ILogger logger, Exception e);
    }
}
