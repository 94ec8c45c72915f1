using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Bosun.Agent.Images;

namespace Bosun.Testing.Containers;

/// <summary>
/// The images the real-container tests run, built offline with the agent's own image builder from Debian's static
/// busybox: <c>busybox:latest</c> (applet symlinks, <c>Cmd ["sh"]</c>) and <c>ikubernetes/myapp:v1</c>/<c>v2</c>
/// (busybox httpd on port 80 serving <c>/usr/share/nginx/html</c> as the real image's nginx does: an index page naming
/// its version and a <c>hostname.html</c> written at container start). myapp's <c>/usr/sbin/nginx</c> is a small script
/// that starts httpd, whatever its arguments, so the seed's manifests that run <c>nginx -g 'daemon off;'</c> work.
/// Tarballs are cached under the temp directory, keyed by the content they are made from.
/// </summary>
public static class TestImages
{
    public const string Busybox = "busybox:latest";
    public const string MyAppV1 = "ikubernetes/myapp:v1";
    public const string MyAppV2 = "ikubernetes/myapp:v2";

    /// <summary>The page myapp serves at <c>/</c> and <c>/index.html</c>.</summary>
    public static string MyAppIndex(string version) => $"Hello MyApp | Version: {version} | <a href=\"hostname.html\">Pod Name</a>\n";

    // Bump when the image definitions below change, so cached tarballs are rebuilt.
    private const string DefinitionVersion = "3";
    private static readonly SemaphoreSlim BuildLock = new(1, 1);

    /// <summary>Paths of the three docker-archive tarballs, building any that are not cached yet.</summary>
    public static async Task<IReadOnlyList<string>> TarballsAsync()
    {
        await BuildLock.WaitAsync();
        try
        {
            var busybox = await File.ReadAllBytesAsync(PauseImage.BusyboxPath);
            var key = Convert.ToHexStringLower(SHA256.HashData([.. busybox, .. Encoding.UTF8.GetBytes(DefinitionVersion)]))[..16];
            var dir = Path.Combine(Path.GetTempPath(), "bosun-test-images", key);
            Directory.CreateDirectory(dir);
            var applets = Applets();
            return
            [
                Cached(Path.Combine(dir, "busybox.tar"), s => DockerArchiveWriter.Write(BusyboxEntries(applets, []), [Busybox],
                    new ImageConfig { Cmd = ["sh"], Env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], WorkingDir = "/" }, s)),
                Cached(Path.Combine(dir, "myapp-v1.tar"), s => DockerArchiveWriter.Write(MyAppEntries(applets, "v1"), [MyAppV1], MyAppConfig, s)),
                Cached(Path.Combine(dir, "myapp-v2.tar"), s => DockerArchiveWriter.Write(MyAppEntries(applets, "v2"), [MyAppV2], MyAppConfig, s)),
            ];
        }
        finally
        {
            BuildLock.Release();
        }
    }

    private static readonly ImageConfig MyAppConfig = new()
    {
        Cmd = ["nginx", "-g", "daemon off;"],
        Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        ExposedPorts = ["80/tcp"],
    };

    private const string NginxScript = """
        #!/bin/sh
        # Test stand-in for nginx: busybox httpd serving the same web root on port 80, in the foreground.
        hostname > /usr/share/nginx/html/hostname.html
        exec /bin/busybox httpd -f -p 80 -h /usr/share/nginx/html
        """;

    private static string Cached(string path, Action<Stream> build)
    {
        if (File.Exists(path)) return path;
        // Another test process may build the same file: write privately, then rename into place.
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        using (var stream = File.Create(temp)) build(stream);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    private static IReadOnlyList<string> Applets()
    {
        var start = new ProcessStartInfo(PauseImage.BusyboxPath, "--list") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var list = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        process.WaitForExit();
        return list.Where(a => a != "busybox").Order(StringComparer.Ordinal).ToList();
    }

    private static List<RootfsEntry> BusyboxEntries(IReadOnlyList<string> applets, IReadOnlyList<RootfsEntry> extra)
    {
        var entries = new List<RootfsEntry>
        {
            new RootfsEntry.Directory("bin"),
            new RootfsEntry.File("bin/busybox", RootfsEntry.ExecutableMode, SourcePath: PauseImage.BusyboxPath),
        };
        entries.AddRange(applets.Select(a => new RootfsEntry.Symlink($"bin/{a}", "busybox")));
        entries.AddRange(
        [
            new RootfsEntry.Directory("dev"),
            new RootfsEntry.Directory("etc"),
            new RootfsEntry.File("etc/group", RootfsEntry.DefaultFileMode, Content: "root:x:0:\ndaemon:x:1:\nwww-data:x:33:\nnobody:x:65534:\n"u8.ToArray()),
            new RootfsEntry.File("etc/passwd", RootfsEntry.DefaultFileMode, Content: "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"u8.ToArray()),
            new RootfsEntry.Directory("proc"),
            new RootfsEntry.Directory("root", (UnixFileMode)0x1C0),   // 0700
            new RootfsEntry.Directory("sys"),
            new RootfsEntry.Directory("tmp", (UnixFileMode)0x3FF),    // 1777
        ]);
        entries.AddRange(extra);
        return entries;
    }

    private static List<RootfsEntry> MyAppEntries(IReadOnlyList<string> applets, string version) => BusyboxEntries(applets,
    [
        new RootfsEntry.Directory("usr"),
        new RootfsEntry.Directory("usr/sbin"),
        new RootfsEntry.File("usr/sbin/nginx", RootfsEntry.ExecutableMode, Content: Encoding.UTF8.GetBytes(NginxScript.ReplaceLineEndings("\n") + "\n")),
        new RootfsEntry.Directory("usr/share"),
        new RootfsEntry.Directory("usr/share/nginx"),
        new RootfsEntry.Directory("usr/share/nginx/html"),
        new RootfsEntry.File("usr/share/nginx/html/index.html", RootfsEntry.DefaultFileMode, Content: Encoding.UTF8.GetBytes(MyAppIndex(version))),
    ]);
}
