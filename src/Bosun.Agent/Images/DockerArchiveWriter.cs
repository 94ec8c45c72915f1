using System.Formats.Tar;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Bosun.Agent.Images;

/// <summary>
/// Writes a one-layer image as a docker-archive tarball (the <c>docker save</c> format that <c>ctr images import</c>
/// and skopeo read): <c>manifest.json</c>, the config blob <c>&lt;config-sha256&gt;.json</c> and the uncompressed layer
/// <c>&lt;diff-id&gt;/layer.tar</c>. Output is reproducible: fixed timestamps, uid/gid 0, entries in the given order.
/// </summary>
internal static class DockerArchiveWriter
{
    /// <summary>Timestamp of every entry and of the image (2023-11-14T22:13:20Z), so equal inputs give equal digests.</summary>
    public static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    /// <summary>Writes the archive; returns the image's digests (the image id is the config digest).</summary>
    public static BuiltImage Write(IReadOnlyList<RootfsEntry> entries, IReadOnlyList<string> repoTags, ImageConfig config, Stream output)
    {
        var layerFile = Path.GetTempFileName();
        try
        {
            string diffId;
            using (var layer = new FileStream(layerFile, FileMode.Create, FileAccess.ReadWrite))
            {
                WriteLayer(entries, layer);
                layer.Position = 0;
                diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(layer));
            }
            var configJson = ConfigJson(config, diffId);
            var configDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(configJson));
            var layerPath = $"{diffId[7..]}/layer.tar";
            var configPath = $"{configDigest[7..]}.json";
            var manifest = ManifestJson(configPath, repoTags, layerPath);

            using var tar = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true);
            AddDirectory(tar, diffId[7..] + "/");
            AddFile(tar, layerPath, File.OpenRead(layerFile));
            AddFile(tar, configPath, new MemoryStream(configJson));
            AddFile(tar, "manifest.json", new MemoryStream(manifest));
            return new BuiltImage(configDigest, diffId, repoTags);
        }
        finally
        {
            File.Delete(layerFile);
        }
    }

    /// <summary>The uncompressed layer tar.</summary>
    public static void WriteLayer(IReadOnlyList<RootfsEntry> entries, Stream output)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true);
        foreach (var e in entries)
        {
            var name = e.Path.TrimStart('/');
            TarEntry entry = e switch
            {
                RootfsEntry.Directory => new GnuTarEntry(TarEntryType.Directory, name.EndsWith('/') ? name : name + "/"),
                RootfsEntry.Symlink s => new GnuTarEntry(TarEntryType.SymbolicLink, name) { LinkName = s.Target },
                RootfsEntry.File f => new GnuTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = f.Content is { } bytes ? new MemoryStream(bytes) : File.OpenRead(f.SourcePath!),
                },
                _ => throw new InvalidOperationException($"unknown entry {e}"),
            };
            Stamp(entry, e.Mode);
            tar.WriteEntry(entry);
            entry.DataStream?.Dispose();
        }
    }

    public static byte[] ConfigJson(ImageConfig config, string diffId)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("architecture", Architecture());
            w.WriteString("os", "linux");
            w.WriteString("created", Epoch.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));
            w.WriteStartObject("config");
            WriteList(w, "Entrypoint", config.Entrypoint);
            WriteList(w, "Cmd", config.Cmd);
            WriteList(w, "Env", config.Env.Count > 0 ? config.Env : [ImageConfig.DefaultPath]);
            if (!string.IsNullOrEmpty(config.WorkingDir)) w.WriteString("WorkingDir", config.WorkingDir);
            if (config.ExposedPorts.Count > 0)
            {
                w.WriteStartObject("ExposedPorts");
                foreach (var p in config.ExposedPorts)
                {
                    w.WriteStartObject(p);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartObject("rootfs");
            w.WriteString("type", "layers");
            w.WriteStartArray("diff_ids");
            w.WriteStringValue(diffId);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray("history");
            w.WriteStartObject();
            w.WriteString("created", Epoch.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));
            w.WriteString("created_by", "bosun image build");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static byte[] ManifestJson(string configPath, IReadOnlyList<string> repoTags, string layerPath)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("Config", configPath);
            WriteList(w, "RepoTags", repoTags);
            WriteList(w, "Layers", [layerPath]);
            w.WriteEndObject();
            w.WriteEndArray();
        }
        return buffer.ToArray();
    }

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string>? values)
    {
        if (values is null) return;
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void AddDirectory(TarWriter tar, string name)
    {
        var entry = new GnuTarEntry(TarEntryType.Directory, name);
        Stamp(entry, RootfsEntry.DefaultDirMode);
        tar.WriteEntry(entry);
    }

    private static void AddFile(TarWriter tar, string name, Stream content)
    {
        using (content)
        {
            var entry = new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = content };
            Stamp(entry, RootfsEntry.DefaultFileMode);
            tar.WriteEntry(entry);
        }
    }

    private static void Stamp(TarEntry entry, UnixFileMode mode)
    {
        entry.Mode = mode;
        entry.Uid = 0;
        entry.Gid = 0;
        entry.ModificationTime = Epoch;
        if (entry is GnuTarEntry gnu)
        {
            gnu.AccessTime = Epoch;
            gnu.ChangeTime = Epoch;
            gnu.UserName = "root";
            gnu.GroupName = "root";
        }
    }

    /// <summary>The OCI architecture name of this machine (images run on the node that built them).</summary>
    public static string Architecture() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        var other => other.ToString().ToLowerInvariant(),
    };
}

/// <summary>What was written: <see cref="Id"/> is the config digest (the image id containerd reports).</summary>
internal sealed record BuiltImage(string Id, string LayerDiffId, IReadOnlyList<string> RepoTags);
