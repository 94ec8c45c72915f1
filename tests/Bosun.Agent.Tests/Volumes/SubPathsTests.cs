using Bosun.Agent.Volumes;

namespace Bosun.Agent.Tests.Volumes;

public sealed class SubPathsTests
{
    [Fact]
    public void Resolve_MissingSubPath_CreatesDirectoryInsideVolume()
    {
        using var dir = new TempDir();

        var path = SubPaths.Resolve(dir.Path, "a/b");

        Assert.Equal(Path.Combine(dir.Path, "a", "b"), path);
        Assert.True(Directory.Exists(path));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc")]
    public void Resolve_EscapingPath_Throws(string sub)
    {
        using var dir = new TempDir();
        Assert.Throws<VolumeSetupException>(() => SubPaths.Resolve(dir.Path, sub));
    }

    [Fact]
    public void Resolve_SymlinkOutOfTheVolume_Throws()
    {
        using var dir = new TempDir();
        File.CreateSymbolicLink(Path.Combine(dir.Path, "out"), "/etc");

        var e = Assert.Throws<VolumeSetupException>(() => SubPaths.Resolve(dir.Path, "out"));

        Assert.Contains("not within volume path", e.Message);
    }

    [Fact]
    public void Resolve_ProjectedKeyThroughDataLink_StaysInside()
    {
        using var dir = new TempDir();
        new AtomicWriter(dir.Path, TimeProvider.System).Write(new Dictionary<string, FileProjection> { ["k"] = new("v"u8.ToArray(), (UnixFileMode)0b110_100_100) });

        Assert.Equal(Path.Combine(dir.Path, "k"), SubPaths.Resolve(dir.Path, "k"));
    }
}
