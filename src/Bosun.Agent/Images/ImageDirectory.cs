using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Images;

/// <summary>
/// The images directory (<c>&lt;data-dir&gt;/agent/images/</c>, as k3s' <c>agent/images</c>): every <c>*.tar</c> /
/// <c>*.tar.gz</c> / <c>*.tgz</c> there is imported at start and again whenever it is added or changes, for air-gapped
/// nodes. A file still being written (modified less than a second ago) waits for the next scan.
/// </summary>
internal sealed partial class ImageDirectory(string dir, ImageImporter importer, ILogger logger, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, FileStamp> _imported = new(StringComparer.Ordinal);

    /// <summary>Size and modification time: a file is imported again when either changes.</summary>
    public readonly record struct FileStamp(long Size, DateTime ModifiedUtc);

    /// <summary>Files to import: tarballs that are new or changed and have not been modified within <paramref name="settle"/>.</summary>
    public static IReadOnlyList<string> ToImport(
        IReadOnlyDictionary<string, FileStamp> current, IReadOnlyDictionary<string, FileStamp> imported, DateTime nowUtc, TimeSpan settle) =>
        current
            .Where(f => IsTarball(f.Key) && nowUtc - f.Value.ModifiedUtc >= settle)
            .Where(f => !imported.TryGetValue(f.Key, out var done) || done != f.Value)
            .Select(f => f.Key)
            .Order(StringComparer.Ordinal)
            .ToList();

    public static bool IsTarball(string path) =>
        path.EndsWith(".tar", StringComparison.Ordinal) || path.EndsWith(".tar.gz", StringComparison.Ordinal) || path.EndsWith(".tgz", StringComparison.Ordinal);

    /// <summary>One scan: imports what is new; a broken tarball is logged and retried only after it changes.</summary>
    public async Task<IReadOnlyList<string>> ScanAsync(CancellationToken ct)
    {
        if (!Directory.Exists(dir)) return [];
        var current = new DirectoryInfo(dir).EnumerateFiles()
            .ToDictionary(f => f.FullName, f => new FileStamp(f.Length, f.LastWriteTimeUtc), StringComparer.Ordinal);
        var names = new List<string>();
        foreach (var file in ToImport(current, _imported, _time.GetUtcNow().UtcDateTime, TimeSpan.FromSeconds(1)))
        {
            try
            {
                var imported = await importer.ImportAsync(file, ct);
                names.AddRange(imported);
                Log.Imported(logger, file, string.Join(", ", imported));
            }
            catch (ImageImportException e)
            {
                Log.ImportFailed(logger, file, e.Message);
            }
            _imported[file] = current[file];
        }
        return names;
    }

    /// <summary>Scans now and then every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, _time);
        do
        {
            await ScanAsync(ct);
        }
        while (await timer.WaitForNextTickAsync(ct));
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Imported {File}: {Images}")]
        public static partial void Imported(ILogger logger, string file, string images);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not import {File}: {Reason}")]
        public static partial void ImportFailed(ILogger logger, string file, string reason);
    }
}
