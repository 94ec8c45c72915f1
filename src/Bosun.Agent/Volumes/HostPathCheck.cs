namespace Bosun.Agent.Volumes;

/// <summary>
/// The hostPath <c>type</c> checks with the kubelet's messages (pkg/volume/hostpath checkTypeInternal):
/// "" checks nothing; DirectoryOrCreate and FileOrCreate create what is missing (0755 directory, 0644 empty file).
/// </summary>
internal static class HostPathCheck
{
    private const UnixFileMode DirMode = (UnixFileMode)0b111_101_101;
    private const UnixFileMode FileMode = (UnixFileMode)0b110_100_100;

    /// <summary>Throws <see cref="VolumeSetupException"/> when the path is not of the given type.</summary>
    public static void Check(string path, string? type)
    {
        var found = Native.FileType(path);
        switch (type)
        {
            case null or "":
                return;
            case "DirectoryOrCreate" when found is null:
                Directory.CreateDirectory(path, DirMode);
                return;
            case "DirectoryOrCreate" or "Directory":
                if (found != Native.Directory) throw Failed(path, "is not a directory");
                return;
            case "FileOrCreate" when found is null:
                // As the kubelet's MakeFile: only the file is created, its directory must exist.
                if (!Directory.Exists(Path.GetDirectoryName(path))) throw new VolumeSetupException($"open {path}: no such file or directory");
                using (File.Create(path)) { }
                File.SetUnixFileMode(path, FileMode);
                return;
            case "FileOrCreate" or "File":
                if (found != Native.Regular) throw Failed(path, "is not a file");
                return;
            case "Socket":
                if (found != Native.Socket) throw Failed(path, "is not a socket file");
                return;
            case "CharDevice":
                if (found != Native.Char) throw Failed(path, "is not a character device");
                return;
            case "BlockDevice":
                if (found != Native.Block) throw Failed(path, "is not a block device");
                return;
            default:
                throw new VolumeSetupException($"{type} is an invalid volume type");
        }
    }

    private static VolumeSetupException Failed(string path, string what) => new($"hostPath type check failed: {path} {what}");
}
