using System.Diagnostics;

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
        var start = new ProcessStartInfo(ctrPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in (string[])["--address", containerdSocket, "--namespace", Namespace, .. args]) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new ImageImportException($"could not start {ctrPath}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);   // do not leave a ctr behind when the agent stops mid-import
            throw;
        }
        if (process.ExitCode != 0)
            throw new ImageImportException($"ctr {string.Join(' ', args)} failed (exit {process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}".Trim());
        return await stdout;
    }
}

/// <summary>An image tarball could not be imported; the message carries ctr's output.</summary>
internal sealed class ImageImportException(string message) : Exception(message);
