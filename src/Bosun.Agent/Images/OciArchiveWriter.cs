using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;

namespace Bosun.Agent.Images;

/// <summary>
/// Writes a one-layer image as an OCI image-layout tarball (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>),
/// named through the <c>io.containerd.image.name</c> annotation that <c>ctr images import</c> reads. Same layer and
/// config as <see cref="DockerArchiveWriter"/>, so both formats give the same image id.
/// </summary>
internal static class OciArchiveWriter
{
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";

    public static BuiltImage Write(IReadOnlyList<RootfsEntry> entries, string reference, ImageConfig config, Stream output)
    {
        var layerFile = Path.GetTempFileName();
        try
        {
            string diffId;
            long layerSize;
            using (var layer = new FileStream(layerFile, FileMode.Create, FileAccess.ReadWrite))
            {
                DockerArchiveWriter.WriteLayer(entries, layer);
                layerSize = layer.Length;
                layer.Position = 0;
                diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(layer));
            }
            var configJson = DockerArchiveWriter.ConfigJson(config, diffId);
            var configDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(configJson));
            var manifest = Json(w =>
            {
                w.WriteNumber("schemaVersion", 2);
                w.WriteString("mediaType", ManifestMediaType);
                Descriptor(w, "config", "application/vnd.oci.image.config.v1+json", configDigest, configJson.Length);
                w.WriteStartArray("layers");
                w.WriteStartObject();
                w.WriteString("mediaType", "application/vnd.oci.image.layer.v1.tar");
                w.WriteString("digest", diffId);
                w.WriteNumber("size", layerSize);
                w.WriteEndObject();
                w.WriteEndArray();
            });
            var manifestDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest));
            var index = Json(w =>
            {
                w.WriteNumber("schemaVersion", 2);
                w.WriteStartArray("manifests");
                w.WriteStartObject();
                w.WriteString("mediaType", ManifestMediaType);
                w.WriteString("digest", manifestDigest);
                w.WriteNumber("size", manifest.Length);
                w.WriteStartObject("annotations");
                w.WriteString("io.containerd.image.name", ImageReference.Normalize(reference));
                w.WriteString("org.opencontainers.image.ref.name", ImageReference.Tag(reference));
                w.WriteEndObject();
                w.WriteStartObject("platform");
                w.WriteString("architecture", DockerArchiveWriter.Architecture());
                w.WriteString("os", "linux");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndArray();
            });

            using var tar = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true);
            Add(tar, "oci-layout", new MemoryStream("{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray()));
            Add(tar, "index.json", new MemoryStream(index));
            Add(tar, $"blobs/sha256/{manifestDigest[7..]}", new MemoryStream(manifest));
            Add(tar, $"blobs/sha256/{configDigest[7..]}", new MemoryStream(configJson));
            Add(tar, $"blobs/sha256/{diffId[7..]}", File.OpenRead(layerFile));
            return new BuiltImage(configDigest, diffId, [reference]);
        }
        finally
        {
            File.Delete(layerFile);
        }
    }

    private static void Descriptor(Utf8JsonWriter w, string name, string mediaType, string digest, long size)
    {
        w.WriteStartObject(name);
        w.WriteString("mediaType", mediaType);
        w.WriteString("digest", digest);
        w.WriteNumber("size", size);
        w.WriteEndObject();
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void Add(TarWriter tar, string name, Stream content)
    {
        using (content)
        {
            var entry = new GnuTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = content,
                Mode = RootfsEntry.DefaultFileMode,
                ModificationTime = DockerArchiveWriter.Epoch,
                AccessTime = DockerArchiveWriter.Epoch,
                ChangeTime = DockerArchiveWriter.Epoch,
            };
            tar.WriteEntry(entry);
        }
    }
}
