using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Bosun.Agent.Images;

namespace Bosun.Agent.Tests.Images;

public sealed class DockerArchiveWriterTests
{
    private static readonly RootfsEntry[] Entries =
    [
        new RootfsEntry.Directory("bin"),
        new RootfsEntry.File("bin/hello", RootfsEntry.ExecutableMode, Content: "#!/bin/sh\necho hi\n"u8.ToArray()),
        new RootfsEntry.Symlink("bin/sh", "hello"),
        new RootfsEntry.Directory("tmp", (UnixFileMode)0x3FF),
    ];

    private static readonly ImageConfig Config = new()
    {
        Entrypoint = ["/bin/hello"],
        Cmd = ["a", "b"],
        Env = ["PATH=/bin", "X=1"],
        WorkingDir = "/tmp",
        ExposedPorts = ["80/tcp"],
    };

    [Fact]
    public void Write_ManifestNamesConfigAndLayerByTheirDigests()
    {
        var (files, built) = Build();

        var manifest = JsonNode.Parse(files["manifest.json"])!.AsArray().Single()!;
        var configName = (string)manifest["Config"]!;
        var layerName = (string)manifest["Layers"]![0]!;
        Assert.Equal(["localhost/t:1"], manifest["RepoTags"]!.AsArray().Select(t => (string?)t));
        Assert.Equal(Sha256(files[configName]) + ".json", configName);
        Assert.Equal(Sha256(files[layerName]) + "/layer.tar", layerName);
        Assert.Equal("sha256:" + Sha256(files[configName]), built.Id);
        Assert.Equal("sha256:" + Sha256(files[layerName]), built.LayerDiffId);
    }

    [Fact]
    public void Write_ConfigCarriesRuntimeSettingsAndTheLayerDiffId()
    {
        var (files, built) = Build();

        var config = JsonNode.Parse(files[built.Id[7..] + ".json"])!;
        Assert.Equal("linux", (string?)config["os"]);
        Assert.Equal(DockerArchiveWriter.Architecture(), (string?)config["architecture"]);
        Assert.Equal(["/bin/hello"], config["config"]!["Entrypoint"]!.AsArray().Select(v => (string?)v));
        Assert.Equal(["a", "b"], config["config"]!["Cmd"]!.AsArray().Select(v => (string?)v));
        Assert.Equal(["PATH=/bin", "X=1"], config["config"]!["Env"]!.AsArray().Select(v => (string?)v));
        Assert.Equal("/tmp", (string?)config["config"]!["WorkingDir"]);
        Assert.NotNull(config["config"]!["ExposedPorts"]!["80/tcp"]);
        Assert.Equal("layers", (string?)config["rootfs"]!["type"]);
        Assert.Equal([built.LayerDiffId], config["rootfs"]!["diff_ids"]!.AsArray().Select(v => (string?)v));
    }

    [Fact]
    public void Write_LayerHoldsEntriesWithModesOwnersAndLinks()
    {
        var (files, built) = Build();

        var layer = Read(files[built.LayerDiffId[7..] + "/layer.tar"]);
        Assert.Equal(["bin/", "bin/hello", "bin/sh", "tmp/"], layer.Select(e => e.Name));
        Assert.All(layer, e => Assert.Equal((0, 0), (e.Uid, e.Gid)));
        Assert.Equal(RootfsEntry.ExecutableMode, layer[1].Mode);
        Assert.Equal(TarEntryType.SymbolicLink, layer[2].EntryType);
        Assert.Equal("hello", layer[2].LinkName);
        Assert.Equal((UnixFileMode)0x3FF, layer[3].Mode);
    }

    [Fact]
    public void Write_SameInputTwice_GivesIdenticalBytes()
    {
        using var a = new MemoryStream();
        using var b = new MemoryStream();
        DockerArchiveWriter.Write(Entries, ["localhost/t:1"], Config, a);
        DockerArchiveWriter.Write(Entries, ["localhost/t:1"], Config, b);
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void Write_NoEnv_DefaultsPath()
    {
        using var output = new MemoryStream();
        var built = DockerArchiveWriter.Write(Entries, ["localhost/t:1"], new ImageConfig(), output);
        var files = Read(output.ToArray()).Where(e => e.DataStream is not null).ToDictionary(e => e.Name, Bytes);
        var env = JsonNode.Parse(files[built.Id[7..] + ".json"])!["config"]!["Env"]!.AsArray();
        Assert.Equal([ImageConfig.DefaultPath], env.Select(v => (string?)v));
    }

    private static (Dictionary<string, byte[]> Files, BuiltImage Built) Build()
    {
        using var output = new MemoryStream();
        var built = DockerArchiveWriter.Write(Entries, ["localhost/t:1"], Config, output);
        var files = Read(output.ToArray()).Where(e => e.EntryType == TarEntryType.RegularFile).ToDictionary(e => e.Name, Bytes);
        return (files, built);
    }

    private static List<TarEntry> Read(byte[] tar)
    {
        var entries = new List<TarEntry>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry(copyData: true) is { } e) entries.Add(e);
        return entries;
    }

    private static byte[] Bytes(TarEntry e)
    {
        using var m = new MemoryStream();
        e.DataStream?.CopyTo(m);
        return m.ToArray();
    }

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
