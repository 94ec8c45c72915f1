namespace Bosun.Agent.Images;

/// <summary>Reads a root filesystem directory into layer entries, in a stable (ordinal) order so builds are reproducible.</summary>
internal static class Rootfs
{
    /// <summary>
    /// Every directory, regular file and symlink under <paramref name="dir"/>; sockets, devices and fifos are skipped
    /// (an image layer made by a non-root user could not hold devices anyway).
    /// </summary>
    public static IReadOnlyList<RootfsEntry> FromDirectory(string dir)
    {
        var root = new DirectoryInfo(dir);
        if (!root.Exists) throw new DirectoryNotFoundException($"root filesystem directory {dir} does not exist");
        var entries = new List<RootfsEntry>();
        Walk(root, "", entries);
        return entries;
    }

    private static void Walk(DirectoryInfo dir, string prefix, List<RootfsEntry> entries)
    {
        foreach (var info in dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var path = prefix + info.Name;
            if (info.LinkTarget is { } target)
            {
                entries.Add(new RootfsEntry.Symlink(path, target));
            }
            else if (info is DirectoryInfo sub)
            {
                entries.Add(new RootfsEntry.Directory(path, sub.UnixFileMode));
                Walk(sub, path + "/", entries);
            }
            else if (info is FileInfo file && (file.Attributes & FileAttributes.Device) == 0 && IsRegular(file))
            {
                entries.Add(new RootfsEntry.File(path, file.UnixFileMode, SourcePath: file.FullName));
            }
        }
    }

    private static bool IsRegular(FileInfo file)
    {
        try
        {
            using var _ = file.OpenRead();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
