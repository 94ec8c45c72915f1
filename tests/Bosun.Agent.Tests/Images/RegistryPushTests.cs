using System.Text;
using System.Text.Json;
using Bosun.Agent.Images;

namespace Bosun.Agent.Tests.Images;

public sealed class RegistryPushTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bosun-archive-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("127.0.0.1:5000/myapp:v1", "127.0.0.1:5000", "myapp", "v1")]
    [InlineData("reg.local/team/app", "reg.local", "team/app", "latest")]
    [InlineData("localhost/a_b-c.d:1.0", "localhost", "a_b-c.d", "1.0")]
    public void RegistryReference_Parse_SplitsHostRepositoryTag(string reference, string host, string repository, string tag)
    {
        Assert.Equal(new RegistryReference(host, repository, tag), RegistryReference.Parse(reference));
    }

    [Theory]
    [InlineData("myapp:v1", "names no registry host")]
    [InlineData("library/myapp:v1", "names no registry host")]
    [InlineData("reg.local/MyApp:v1", "repository name must be lowercase")]
    [InlineData("reg.local/app:-bad", "invalid tag")]
    [InlineData("reg.local/app@sha256:abc", "push by digest")]
    public void RegistryReference_Parse_RejectsWithTheReason(string reference, string reason)
    {
        Assert.Contains(reason, Assert.Throws<FormatException>(() => RegistryReference.Parse(reference)).Message);
    }

    [Fact]
    public void ImageArchive_DockerArchive_MakesAnOciManifestOfConfigAndLayer()
    {
        var tar = Path.Combine(_dir.FullName, "img.tar");
        BuiltImage built;
        using (var s = File.Create(tar))
            built = DockerArchiveWriter.Write([new RootfsEntry.File("hello", RootfsEntry.DefaultFileMode, Content: "hi"u8.ToArray())], ["reg.local/hello:v1"], new ImageConfig { Cmd = ["sh"] }, s);

        var image = ImageArchive.Read(tar, Path.Combine(_dir.FullName, "x"));

        Assert.Equal(OciArchiveWriter.ManifestMediaType, image.ManifestMediaType);
        using var manifest = JsonDocument.Parse(image.Manifest);
        Assert.Equal(built.Id, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
        Assert.Equal(built.Id, image.Blobs[0].Digest);
        var layer = manifest.RootElement.GetProperty("layers")[0];
        Assert.Equal(("application/vnd.oci.image.layer.v1.tar", image.Blobs[1].Digest, image.Blobs[1].Size),
            (layer.GetProperty("mediaType").GetString(), layer.GetProperty("digest").GetString(), layer.GetProperty("size").GetInt64()));
    }

    [Fact]
    public void ImageArchive_OciLayout_KeepsItsManifestBytes()
    {
        var tar = Path.Combine(_dir.FullName, "img.tar");
        using (var s = File.Create(tar))
            OciArchiveWriter.Write([new RootfsEntry.File("hello", RootfsEntry.DefaultFileMode, Content: "hi"u8.ToArray())], "reg.local/hello:v1", new ImageConfig(), s);

        var image = ImageArchive.Read(tar, Path.Combine(_dir.FullName, "x"));

        var blobs = Path.Combine(_dir.FullName, "x", "blobs", "sha256");
        Assert.Equal(File.ReadAllBytes(Path.Combine(blobs, image.ManifestDigest[7..])), image.Manifest);
        Assert.Equal(2, image.Blobs.Count);
    }

    [Fact]
    public void ImageArchive_NeitherFormat_FormatException()
    {
        var tar = Path.Combine(_dir.FullName, "empty.tar");
        using (var s = File.Create(tar))
        using (var w = new System.Formats.Tar.TarWriter(s))
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "readme") { DataStream = new MemoryStream("x"u8.ToArray()) });

        Assert.Contains("neither a docker-archive", Assert.Throws<FormatException>(() => ImageArchive.Read(tar, Path.Combine(_dir.FullName, "x"))).Message);
    }

    [Theory]
    [InlineData("""{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}""", ": authentication required")]
    [InlineData("plain text", ": plain text")]
    [InlineData("", "")]
    public void Detail_ReadsDistributionErrors(string body, string expected)
    {
        Assert.Equal(expected, RegistryPusher.Detail(body));
    }

    [Fact]
    public void Basic_EncodesUserAndPassword()
    {
        var header = RegistryConnection.Basic(new RegistryConnectionOptions(false, null, "alice", "pw"))!;
        Assert.Equal(("Basic", "alice:pw"), (header.Scheme, Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter!))));
    }
}
