using System.Globalization;

namespace Bosun.Agent.Volumes;

/// <summary>
/// Writes a projected volume's files so that readers never see a half-written set, the kubelet way
/// (pkg/volume/util/atomic_writer.go): the payload goes into a fresh timestamped directory <c>..2006_01_02_15_04_05.N</c>,
/// a <c>..data</c> symlink is swapped to it with rename(2) (atomic), and each top-level name the user sees is a symlink
/// through <c>..data</c>. The previous timestamped directory is removed afterwards.
/// </summary>
internal sealed class AtomicWriter(string targetDir, TimeProvider time)
{
    public const string DataDirName = "..data";
    private const string NewDataDirName = "..data_tmp";
    private const UnixFileMode DirMode = (UnixFileMode)0b111_101_101;   // 0755

    /// <summary>Checks a payload path as the API server's validation would: relative, no <c>..</c> element, not empty.</summary>
    public static string? InvalidPath(string path)
    {
        if (string.IsNullOrEmpty(path)) return "must not be empty";
        if (path.StartsWith('/')) return "must be a relative path";
        if (path.Split('/').Any(e => e == "..")) return "must not contain '..'";
        if (path.StartsWith("..", StringComparison.Ordinal)) return "must not start with '..'";
        return null;
    }

    /// <summary>
    /// Makes the directory hold exactly <paramref name="payload"/> (relative path → file). Returns false when the
    /// payload equals what is there already, so nothing was written (readers keep their inodes).
    /// </summary>
    public bool Write(IReadOnlyDictionary<string, FileProjection> payload)
    {
        foreach (var path in payload.Keys)
            if (InvalidPath(path) is { } why) throw new VolumeSetupException($"invalid path \"{path}\": {why}");
        Directory.CreateDirectory(targetDir);
        var dataLink = Path.Combine(targetDir, DataDirName);
        var oldTsName = File.Exists(dataLink) || Directory.Exists(dataLink) ? new FileInfo(dataLink).LinkTarget : null;
        var oldTsDir = oldTsName is null ? null : Path.Combine(targetDir, oldTsName);
        if (oldTsDir is not null && Directory.Exists(oldTsDir) && SamePayload(oldTsDir, payload))
        {
            EnsureUserLinks(payload);   // a crash between the swap and the links may have left them missing
            return false;
        }

        var tsDir = NewTimestampDir();
        WritePayload(tsDir, payload);
        var tmpLink = Path.Combine(targetDir, NewDataDirName);
        if (new FileInfo(tmpLink).LinkTarget is not null) File.Delete(tmpLink);
        File.CreateSymbolicLink(tmpLink, Path.GetFileName(tsDir));
        Native.Rename(tmpLink, dataLink);   // rename(2) over the old link: the atomic swap
        EnsureUserLinks(payload);
        RemoveStaleUserLinks(payload, oldTsDir);
        if (oldTsDir is not null && Directory.Exists(oldTsDir)) Directory.Delete(oldTsDir, recursive: true);
        return true;
    }

    private string NewTimestampDir()
    {
        var stamp = time.GetUtcNow().UtcDateTime.ToString("..yyyy_MM_dd_HH_mm_ss.", CultureInfo.InvariantCulture);
        for (var i = 0; ; i++)
        {
            var dir = Path.Combine(targetDir, stamp + Random.Shared.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture));
            if (Directory.Exists(dir)) continue;
            Directory.CreateDirectory(dir, DirMode);
            return dir;
        }
    }

    private static void WritePayload(string tsDir, IReadOnlyDictionary<string, FileProjection> payload)
    {
        foreach (var (path, file) in payload)
        {
            var full = Path.Combine(tsDir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!, DirMode);
            File.WriteAllBytes(full, file.Data);
            File.SetUnixFileMode(full, file.Mode);
        }
    }

    private static bool SamePayload(string tsDir, IReadOnlyDictionary<string, FileProjection> payload)
    {
        var existing = Directory.EnumerateFiles(tsDir, "*", SearchOption.AllDirectories).ToList();
        if (existing.Count != payload.Count) return false;
        foreach (var (path, file) in payload)
        {
            var full = Path.Combine(tsDir, path);
            if (!File.Exists(full) || File.GetUnixFileMode(full) != file.Mode) return false;
            if (!File.ReadAllBytes(full).AsSpan().SequenceEqual(file.Data)) return false;
        }
        return true;
    }

    /// <summary>One symlink per top-level name: <c>name → ..data/name</c>.</summary>
    private void EnsureUserLinks(IReadOnlyDictionary<string, FileProjection> payload)
    {
        foreach (var top in TopLevelNames(payload.Keys))
        {
            var link = Path.Combine(targetDir, top);
            var want = Path.Combine(DataDirName, top);
            if (new FileInfo(link).LinkTarget == want) continue;
            if (File.Exists(link) || new FileInfo(link).LinkTarget is not null) File.Delete(link);
            File.CreateSymbolicLink(link, want);
        }
    }

    private void RemoveStaleUserLinks(IReadOnlyDictionary<string, FileProjection> payload, string? oldTsDir)
    {
        if (oldTsDir is null || !Directory.Exists(oldTsDir)) return;
        var keep = TopLevelNames(payload.Keys).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries(oldTsDir))
        {
            var name = Path.GetFileName(entry);
            if (keep.Contains(name)) continue;
            var link = Path.Combine(targetDir, name);
            if (new FileInfo(link).LinkTarget is not null) File.Delete(link);
        }
    }

    private static IEnumerable<string> TopLevelNames(IEnumerable<string> paths) =>
        paths.Select(p => p.Split('/')[0]).Distinct(StringComparer.Ordinal);
}
