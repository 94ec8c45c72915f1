namespace Bosun.Agent.Volumes;

/// <summary>Reads this process's mount points from <c>/proc/self/mountinfo</c> (field 5, octal escapes decoded).</summary>
internal static class MountTable
{
    public static IReadOnlyList<string> MountPoints(string mountInfoPath = "/proc/self/mountinfo")
    {
        if (!File.Exists(mountInfoPath)) return [];
        return File.ReadLines(mountInfoPath)
            .Select(line => line.Split(' '))
            .Where(f => f.Length > 4)
            .Select(f => Unescape(f[4]))
            .ToList();
    }

    public static bool IsMountPoint(string path) => MountPoints().Contains(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));

    /// <summary>Mount points at or under <paramref name="dir"/>, deepest first (the order to unmount them in).</summary>
    public static List<string> Under(string dir)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        return MountPoints()
            .Where(m => m == root || m.StartsWith(root + "/", StringComparison.Ordinal))
            .Distinct()
            .OrderByDescending(m => m.Length)
            .ToList();
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as <c>\ooo</c>.</summary>
    private static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s.Skip(at).Take(3).All(c => c is >= '0' and <= '7');
}
