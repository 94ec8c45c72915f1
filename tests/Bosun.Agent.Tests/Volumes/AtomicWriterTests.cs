using System.Text;
using Bosun.Agent.Volumes;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Agent.Tests.Volumes;

public sealed class AtomicWriterTests
{
    private static readonly UnixFileMode Mode644 = (UnixFileMode)0b110_100_100;
    private static readonly UnixFileMode Mode400 = (UnixFileMode)0b100_000_000;

    private static FileProjection F(string text, UnixFileMode? mode = null) => new(Encoding.UTF8.GetBytes(text), mode ?? Mode644);

    [Fact]
    public void Write_FirstPayload_CreatesTimestampDirDataLinkAndPerKeyLinks()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 1, 2, 3, TimeSpan.Zero));
        var writer = new AtomicWriter(dir.Path, time);

        Assert.True(writer.Write(new Dictionary<string, FileProjection> { ["a"] = F("1"), ["sub/b"] = F("2") }));

        var data = new FileInfo(Path.Combine(dir.Path, "..data")).LinkTarget;
        Assert.NotNull(data);
        Assert.StartsWith("..2026_11_26_01_02_03.", data);
        Assert.Equal(Path.Combine("..data", "a"), new FileInfo(Path.Combine(dir.Path, "a")).LinkTarget);
        Assert.Equal(Path.Combine("..data", "sub"), new FileInfo(Path.Combine(dir.Path, "sub")).LinkTarget);
        Assert.Equal("1", File.ReadAllText(Path.Combine(dir.Path, "a")));
        Assert.Equal("2", File.ReadAllText(Path.Combine(dir.Path, "sub", "b")));
        Assert.Equal(Mode644, File.GetUnixFileMode(Path.Combine(dir.Path, data, "a")));
    }

    [Fact]
    public void Write_ItemModes_AreSetOnTheFiles()
    {
        using var dir = new TempDir();
        var writer = new AtomicWriter(dir.Path, TimeProvider.System);

        writer.Write(new Dictionary<string, FileProjection> { ["key"] = F("secret", Mode400) });

        Assert.Equal(Mode400, File.GetUnixFileMode(Path.Combine(dir.Path, "..data", "key")));
    }

    [Fact]
    public void Write_SamePayloadAgain_WritesNothing()
    {
        using var dir = new TempDir();
        var writer = new AtomicWriter(dir.Path, TimeProvider.System);
        var payload = new Dictionary<string, FileProjection> { ["a"] = F("1") };
        writer.Write(payload);
        var before = new FileInfo(Path.Combine(dir.Path, "..data")).LinkTarget;

        Assert.False(writer.Write(payload));

        Assert.Equal(before, new FileInfo(Path.Combine(dir.Path, "..data")).LinkTarget);
    }

    [Fact]
    public void Write_Update_SwapsDataLinkRemovesOldDirAndStaleKeys()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.Zero));
        var writer = new AtomicWriter(dir.Path, time);
        writer.Write(new Dictionary<string, FileProjection> { ["a"] = F("1"), ["gone"] = F("x") });
        var first = new FileInfo(Path.Combine(dir.Path, "..data")).LinkTarget!;
        time.Advance(TimeSpan.FromSeconds(61));

        Assert.True(writer.Write(new Dictionary<string, FileProjection> { ["a"] = F("2"), ["new"] = F("y") }));

        var second = new FileInfo(Path.Combine(dir.Path, "..data")).LinkTarget!;
        Assert.NotEqual(first, second);
        Assert.StartsWith("..2026_11_26_01_01_01.", second);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, first)));
        Assert.Equal("2", File.ReadAllText(Path.Combine(dir.Path, "a")));
        Assert.Equal("y", File.ReadAllText(Path.Combine(dir.Path, "new")));
        Assert.Null(new FileInfo(Path.Combine(dir.Path, "gone")).LinkTarget);
        Assert.False(File.Exists(Path.Combine(dir.Path, "gone")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "..data_tmp")));
        // Only the current timestamped directory is left.
        Assert.Single(Directory.GetDirectories(dir.Path, "..2*"));
    }

    [Fact]
    public void Write_ModeChangeOnly_Rewrites()
    {
        using var dir = new TempDir();
        var writer = new AtomicWriter(dir.Path, TimeProvider.System);
        writer.Write(new Dictionary<string, FileProjection> { ["a"] = F("1") });

        Assert.True(writer.Write(new Dictionary<string, FileProjection> { ["a"] = F("1", Mode400) }));

        Assert.Equal(Mode400, File.GetUnixFileMode(Path.Combine(dir.Path, "..data", "a")));
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../escape")]
    [InlineData("a/../../b")]
    [InlineData("..hidden")]
    public void Write_BadPath_ThrowsVolumeSetupException(string path)
    {
        using var dir = new TempDir();
        var writer = new AtomicWriter(dir.Path, TimeProvider.System);

        Assert.Throws<VolumeSetupException>(() => writer.Write(new Dictionary<string, FileProjection> { [path] = F("x") }));
        Assert.False(File.Exists("/escape"));
    }
}
