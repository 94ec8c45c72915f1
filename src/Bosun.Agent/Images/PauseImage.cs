using Bosun.Cri.V1;

namespace Bosun.Agent.Images;

/// <summary>
/// The agent's sandbox image, made at first start from the host's static busybox without any network: PID 1 is
/// <c>busybox sleep</c> (StopPodSandbox kills it with SIGKILL, so it needs no signal handling; it does not reap
/// zombies, which only matters with a shared PID namespace). Imported into <c>k8s.io</c> and labelled pinned, so
/// image garbage collection must leave it alone (<see cref="IsPinned"/>).
/// </summary>
internal static class PauseImage
{
    public const string Reference = "localhost/bosun/pause:1";
    public const string PinnedLabel = "io.cri-containerd.pinned";
    public const string BusyboxPath = "/bin/busybox";

    /// <summary>True for images the agent must never remove.</summary>
    public static bool IsPinned(Image image) =>
        image.Pinned || image.RepoTags.Contains(Reference);

    public static IReadOnlyList<RootfsEntry> Entries(string busybox = BusyboxPath) =>
    [
        new RootfsEntry.Directory("bin"),
        new RootfsEntry.File("bin/busybox", RootfsEntry.ExecutableMode, SourcePath: busybox),
        new RootfsEntry.Directory("dev"),
        new RootfsEntry.Directory("etc"),
        new RootfsEntry.File("etc/group", RootfsEntry.DefaultFileMode, Content: "root:x:0:\nnobody:x:65534:\n"u8.ToArray()),
        new RootfsEntry.File("etc/passwd", RootfsEntry.DefaultFileMode, Content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"u8.ToArray()),
        new RootfsEntry.Directory("proc"),
        new RootfsEntry.Directory("sys"),
        new RootfsEntry.Directory("tmp", (UnixFileMode)0x3FF),   // 1777
    ];

    public static ImageConfig Config { get; } = new()
    {
        Entrypoint = ["/bin/busybox", "sleep", "2147483647"],
        Env = ["PATH=/bin"],
    };

    /// <summary>
    /// Makes sure the pause image is in containerd: does nothing when CRI already has it, otherwise builds the tarball
    /// under <paramref name="workDir"/>, imports it and pins it.
    /// </summary>
    public static async Task EnsureAsync(ImageService.ImageServiceClient images, ImageImporter importer, string workDir, CancellationToken ct)
    {
        var status = await images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = Reference } }, cancellationToken: ct);
        if (status.Image is not null) return;
        Directory.CreateDirectory(workDir);
        var tarball = Path.Combine(workDir, "pause.tar");
        await using (var output = File.Create(tarball))
            DockerArchiveWriter.Write(Entries(), [Reference], Config, output);
        await importer.ImportAsync(tarball, ct);
        await importer.LabelAsync(Reference, PinnedLabel, "pinned", ct);
        File.Delete(tarball);
    }
}
