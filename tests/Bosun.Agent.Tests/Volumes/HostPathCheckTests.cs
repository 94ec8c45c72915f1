using Bosun.Agent.Volumes;

namespace Bosun.Agent.Tests.Volumes;

public sealed class HostPathCheckTests
{
    [Fact]
    public void Check_DirectoryOrCreate_CreatesMissingDirectory()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "made");

        HostPathCheck.Check(path, "DirectoryOrCreate");

        Assert.True(Directory.Exists(path));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Check_FileOrCreate_CreatesEmptyFile0644()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "f");

        HostPathCheck.Check(path, "FileOrCreate");

        Assert.Equal(0, new FileInfo(path).Length);
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Check_FileOrCreateWithMissingParent_Fails()
    {
        using var dir = new TempDir();

        Assert.Throws<VolumeSetupException>(() => HostPathCheck.Check(Path.Combine(dir.Path, "no", "f"), "FileOrCreate"));
    }

    [Theory]
    [InlineData("Directory", "file", "is not a directory")]
    [InlineData("Directory", "missing", "is not a directory")]
    [InlineData("DirectoryOrCreate", "file", "is not a directory")]
    [InlineData("File", "dir", "is not a file")]
    [InlineData("File", "missing", "is not a file")]
    [InlineData("FileOrCreate", "dir", "is not a file")]
    [InlineData("Socket", "file", "is not a socket file")]
    [InlineData("CharDevice", "file", "is not a character device")]
    [InlineData("BlockDevice", "dir", "is not a block device")]
    public void Check_WrongType_FailsWithKubeletMessage(string type, string what, string message)
    {
        using var dir = new TempDir();
        var path = Target(dir, what);

        var e = Assert.Throws<VolumeSetupException>(() => HostPathCheck.Check(path, type));

        Assert.Equal($"hostPath type check failed: {path} {message}", e.Message);
    }

    [Theory]
    [InlineData("", "missing")]
    [InlineData(null, "missing")]
    [InlineData("Directory", "dir")]
    [InlineData("File", "file")]
    public void Check_MatchingType_Passes(string? type, string what)
    {
        using var dir = new TempDir();
        HostPathCheck.Check(Target(dir, what), type);
    }

    [Fact]
    public void Check_CharDevice_AcceptsDevNull() => HostPathCheck.Check("/dev/null", "CharDevice");

    [Fact]
    public void Check_Socket_AcceptsAUnixSocket()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "s.sock");
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));

        HostPathCheck.Check(path, "Socket");
    }

    [Fact]
    public void Check_UnknownType_IsInvalid()
    {
        var e = Assert.Throws<VolumeSetupException>(() => HostPathCheck.Check("/tmp", "Pipe"));
        Assert.Equal("Pipe is an invalid volume type", e.Message);
    }

    private static string Target(TempDir dir, string what)
    {
        var path = Path.Combine(dir.Path, what);
        if (what == "file") File.WriteAllText(path, "x");
        if (what == "dir") Directory.CreateDirectory(path);
        return path;
    }
}
