using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Agent.Images;

/// <summary>A blob of an image on disk: its digest, media type and file.</summary>
internal sealed record ImageBlob(string Digest, string MediaType, long Size, string FilePath);

/// <summary>
/// An image read from a docker-archive (<c>docker save</c>) or OCI image-layout tarball, as a registry stores it: the
/// manifest bytes with their media type, and the blobs (config, layers) it names. A docker-archive has no manifest of
/// its own, so one is made in the OCI format (the registry and containerd accept uncompressed OCI layers).
/// </summary>
internal sealed record ImageArchive(string ManifestMediaType, byte[] Manifest, IReadOnlyList<ImageBlob> Blobs)
{
    public string ManifestDigest => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Manifest));

    /// <summary>Extracts <paramref name="tarball"/> into <paramref name="workDir"/> and reads it; throws <see cref="FormatException"/> when it is neither format.</summary>
    public static ImageArchive Read(string tarball, string workDir)
    {
        Directory.CreateDirectory(workDir);
        using (var stream = File.OpenRead(tarball)) TarFile.ExtractToDirectory(stream, workDir, overwriteFiles: true);
        if (File.Exists(Path.Combine(workDir, "index.json"))) return ReadOciLayout(workDir);
        if (File.Exists(Path.Combine(workDir, "manifest.json"))) return ReadDockerArchive(workDir);
        throw new FormatException($"{tarball} is neither a docker-archive (manifest.json) nor an OCI image layout (index.json)");
    }

    private static ImageArchive ReadOciLayout(string dir)
    {
        var index = JsonNode.Parse(File.ReadAllBytes(Path.Combine(dir, "index.json")));
        var entry = index?["manifests"]?.AsArray().FirstOrDefault() ?? throw new FormatException("index.json lists no manifest");
        var digest = (string?)entry["digest"] ?? throw new FormatException("index.json: manifest without digest");
        var mediaType = (string?)entry["mediaType"] ?? OciArchiveWriter.ManifestMediaType;
        var manifest = File.ReadAllBytes(BlobPath(dir, digest));
        var parsed = JsonNode.Parse(manifest) ?? throw new FormatException($"manifest {digest} is empty");
        if ((string?)parsed["mediaType"] is { } own) mediaType = own;
        var blobs = new List<ImageBlob>();
        foreach (var d in new[] { parsed["config"] }.Concat(parsed["layers"]?.AsArray() ?? []))
        {
            if (d is null) throw new FormatException($"manifest {digest} has no config");
            var blobDigest = (string?)d["digest"] ?? throw new FormatException($"manifest {digest}: descriptor without digest");
            var path = BlobPath(dir, blobDigest);
            if (!File.Exists(path)) throw new FormatException($"blob {blobDigest} named by manifest {digest} is not in the archive");
            blobs.Add(new ImageBlob(blobDigest, (string?)d["mediaType"] ?? "", new FileInfo(path).Length, path));
        }
        return new ImageArchive(mediaType, manifest, blobs);
    }

    private static ImageArchive ReadDockerArchive(string dir)
    {
        var entries = JsonNode.Parse(File.ReadAllBytes(Path.Combine(dir, "manifest.json")))?.AsArray();
        var entry = entries?.FirstOrDefault() ?? throw new FormatException("manifest.json lists no image");
        var config = LocalBlob(dir, (string?)entry["Config"] ?? throw new FormatException("manifest.json: image without Config"),
            "application/vnd.oci.image.config.v1+json");
        var layers = (entry["Layers"]?.AsArray() ?? []).Select(l => (string?)l ?? throw new FormatException("manifest.json: empty layer path"))
            .Select(l => LocalBlob(dir, l, IsGzip(Path.Combine(dir, l)) ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar"))
            .ToList();
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", OciArchiveWriter.ManifestMediaType);
            w.WritePropertyName("config");
            Descriptor(w, config);
            w.WriteStartArray("layers");
            foreach (var layer in layers) Descriptor(w, layer);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return new ImageArchive(OciArchiveWriter.ManifestMediaType, buffer.ToArray(), [config, .. layers]);
    }

    private static void Descriptor(Utf8JsonWriter w, ImageBlob blob)
    {
        w.WriteStartObject();
        w.WriteString("mediaType", blob.MediaType);
        w.WriteString("digest", blob.Digest);
        w.WriteNumber("size", blob.Size);
        w.WriteEndObject();
    }

    private static ImageBlob LocalBlob(string dir, string relative, string mediaType)
    {
        var path = Path.GetFullPath(Path.Combine(dir, relative));
        if (!path.StartsWith(Path.GetFullPath(dir) + "/", StringComparison.Ordinal) || !File.Exists(path))
            throw new FormatException($"manifest.json names \"{relative}\", which is not in the archive");
        using var stream = File.OpenRead(path);
        return new ImageBlob("sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream)), mediaType, stream.Length, path);
    }

    private static string BlobPath(string dir, string digest)
    {
        var parts = digest.Split(':');
        if (parts.Length != 2 || parts[0] != "sha256" || parts[1].Length != 64 || !parts[1].All(char.IsAsciiHexDigitLower))
            throw new FormatException($"unsupported digest \"{digest}\"");
        return Path.Combine(dir, "blobs", "sha256", parts[1]);
    }

    private static bool IsGzip(string path)
    {
        using var s = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        return s.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    /// <summary>For messages: the digest shortened as docker prints it.</summary>
    public static string Short(string digest) => digest.Length > 19 ? digest[7..19] : digest;
}
