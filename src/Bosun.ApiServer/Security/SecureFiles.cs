namespace Bosun.ApiServer.Security;

/// <summary>Writes credential files so that secrets are never readable by others, not even for an instant.</summary>
internal static class SecureFiles
{
    /// <summary>Mode for private keys, tokens and kubeconfigs (0600).</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Mode for certificates (0644).</summary>
    public const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Creates <paramref name="dir"/> (0700 on Unix when it is new).</summary>
    public static void EnsureDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>
    /// Replaces <paramref name="path"/> atomically with <paramref name="content"/>. The content goes to a fresh temporary file
    /// that is created with <paramref name="mode"/> already set, because chmod after writing would leave a window in which
    /// a key is world-readable, and UnixCreateMode is ignored when the file already exists.
    /// </summary>
    public static void WriteAllText(string path, string content, UnixFileMode mode)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        EnsureDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        try
        {
            using (var stream = new FileStream(tmp, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(content);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
