using Bosun.Client.Processes;

namespace Bosun.Agent.Images;

/// <summary>
/// Imports image tarballs (docker-archive or OCI layout, optionally gzipped) into containerd's <c>k8s.io</c> namespace,
/// where the CRI sees them at once, by running <c>ctr</c> (shipped with containerd) against our socket.
/// </summary>
internal sealed class ImageImporter(string containerdSocket, string ctrPath = "/usr/bin/ctr")
{
    public const string Namespace = "k8s.io";

    /// <summary>Imports one tarball; returns the image names ctr reported. Throws <see cref="ImageImportException"/> with ctr's output on failure.</summary>
    public async Task<IReadOnlyList<string>> ImportAsync(string tarball, CancellationToken ct)
    {
        var output = await CtrAsync(["images", "import", tarball], ct);
        // ctr prints "unpacking docker.io/library/busybox:latest (sha256:…)...done" per image.
        return output.Split('\n')
            .Where(l => l.StartsWith("unpacking ", StringComparison.Ordinal))
            .Select(l => l["unpacking ".Length..].Split(' ')[0])
            .ToList();
    }

    /// <summary>Sets a label on an image (ctr images label), e.g. the pinned label that keeps the pause image from image GC.</summary>
    public Task LabelAsync(string image, string label, string value, CancellationToken ct) =>
        CtrAsync(["images", "label", image, $"{label}={value}"], ct);

    private async Task<string> CtrAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        ProcessResult r;
        try
        {
            // Cancellation kills ctr: none is left behind when the agent stops mid-import.
            r = await ProcessRunner.RunAsync(ctrPath, ["--address", containerdSocket, "--namespace", Namespace, .. args], ct);
        }
        catch (ProcessRunException e)
        {
            throw new ImageImportException(e.Message);
        }
        if (!r.Succeeded) throw new ImageImportException($"{r.FailureMessage} {r.Stdout.Trim()}".Trim());
        return r.Stdout;
    }
}

/// <summary>An image tarball could not be imported; the message carries ctr's output.</summary>
internal sealed class ImageImportException(string message) : Exception(message);
