namespace Bosun.Agent.Volumes;

/// <summary>
/// Resolves a volumeMount's <c>subPath</c> inside a volume's host path for the pod workers: relative, without
/// <c>..</c>, created as a directory when missing (as the kubelet does), and not escaping the volume through a symlink.
/// </summary>
internal static class SubPaths
{
    public static string Resolve(string volumePath, string subPath)
    {
        if (string.IsNullOrEmpty(subPath)) return volumePath;
        if (subPath.StartsWith('/') || subPath.Split('/').Any(e => e == ".."))
            throw new VolumeSetupException($"subPath \"{subPath}\" must be a relative path without '..'");
        var full = Path.GetFullPath(Path.Combine(volumePath, subPath));
        if (!File.Exists(full) && !Directory.Exists(full) && new FileInfo(full).LinkTarget is null)
            Directory.CreateDirectory(full, (UnixFileMode)0b111_111_111);
        var root = RealPath(volumePath);
        var real = RealPath(full);
        if (real != root && !real.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
            throw new VolumeSetupException($"subpath \"{real}\" not within volume path \"{root}\"");
        return full;
    }

    /// <summary>The path with every symlink along it resolved (realpath(3)).</summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        for (var hops = 0; ;)
        {
            var resolvedAny = false;
            for (var i = 0; i < parts.Length; i++)
            {
                var next = Path.Combine(current, parts[i]);
                var target = new FileInfo(next).LinkTarget;
                if (target is null)
                {
                    current = next;
                    continue;
                }
                if (++hops > 40) throw new VolumeSetupException($"too many levels of symbolic links in {path}");
                var rest = parts.Skip(i + 1);
                var joined = Path.GetFullPath(Path.Combine(target.StartsWith('/') ? target : Path.Combine(current, target), string.Join('/', rest)));
                parts = joined.Split('/', StringSplitOptions.RemoveEmptyEntries);
                current = "/";
                resolvedAny = true;
                break;
            }
            if (!resolvedAny) return current;
        }
    }
}
