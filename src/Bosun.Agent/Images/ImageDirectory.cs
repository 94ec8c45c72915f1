using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Images;

/// <summary>
/// The images directory (<c>&lt;data-dir&gt;/agent/images/</c>, as k3s' <c>agent/images</c>): every <c>*.tar</c> /
/// <c>*.tar.gz</c> / <c>*.tgz</c> there is imported at start and again whenever it is added or changes, for air-gapped
/// nodes. A file still being written (modified less than a second ago) waits for the next scan. Changes are noticed
/// through inotify (<see cref="FileSystemWatcher"/>), with a rescan at a long interval in case an event was lost.
/// </summary>
internal sealed partial class ImageDirectory(string dir, ImageImporter importer, ILogger logger, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, FileStamp> _imported = new(StringComparer.Ordinal);
    private bool _unsettled;

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
        var now = _time.GetUtcNow().UtcDateTime;
        _unsettled = current.Any(f => IsTarball(f.Key) && now - f.Value.ModifiedUtc < Settle);
        foreach (var file in ToImport(current, _imported, now, Settle))
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

    /// <summary>
    /// Scans now, then whenever the directory changes (a second later while a file is still settling), and every
    /// <paramref name="resync"/> regardless, until cancelled.
    /// </summary>
    public async Task RunAsync(TimeSpan resync, CancellationToken ct)
    {
        var changed = System.Threading.Channels.Channel.CreateBounded<bool>(
            new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });
        using var watcher = Watch(() => changed.Writer.TryWrite(true));
        while (true)
        {
            await ScanAsync(ct);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var timeout = Task.Delay(_unsettled ? Settle : resync, _time, wait.Token);
            await Task.WhenAny(changed.Reader.WaitToReadAsync(wait.Token).AsTask(), timeout);
            ct.ThrowIfCancellationRequested();
            await wait.CancelAsync();
            changed.Reader.TryRead(out _);
        }
    }

    /// <summary>An inotify watch on the directory, or null when it does not exist (the resync still scans).</summary>
    private FileSystemWatcher? Watch(Action onChange)
    {
        if (!Directory.Exists(dir)) return null;
        var watcher = new FileSystemWatcher(dir)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        watcher.Created += (_, _) => onChange();
        watcher.Changed += (_, _) => onChange();
        watcher.Renamed += (_, _) => onChange();
        watcher.Error += (_, _) => onChange();   // overflow: rescan everything
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Imported {File}: {Images}")]
        public static partial void Imported(ILogger logger, string file, string images);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not import {File}: {Reason}")]
        public static partial void ImportFailed(ILogger logger, string file, string reason);
    }
}
