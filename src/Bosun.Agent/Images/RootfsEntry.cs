namespace Bosun.Agent.Images;

/// <summary>
/// One entry of an image layer: a directory, a regular file (bytes or a file on disk) or a symbolic link. Paths are
/// relative to the image root with '/' separators and no leading slash (<c>bin/busybox</c>).
/// </summary>
internal abstract record RootfsEntry(string Path, UnixFileMode Mode)
{
    public sealed record Directory(string Path, UnixFileMode Mode = DefaultDirMode) : RootfsEntry(Path, Mode);

    public sealed record File(string Path, UnixFileMode Mode, string? SourcePath = null, byte[]? Content = null) : RootfsEntry(Path, Mode);

    public sealed record Symlink(string Path, string Target) : RootfsEntry(Path, (UnixFileMode)0x1FF);

    public const UnixFileMode DefaultDirMode = (UnixFileMode)0x1ED;   // 0755
    public const UnixFileMode DefaultFileMode = (UnixFileMode)0x1A4;  // 0644
    public const UnixFileMode ExecutableMode = (UnixFileMode)0x1ED;   // 0755
}
