namespace Bosun.Agent.Pods;

/// <summary>
/// Pod-level cgroups (<c>&lt;root&gt;/pod&lt;uid&gt;</c>, the sandbox's cgroup_parent) in every cgroup v1 hierarchy
/// or the v2 tree. runc removes only container leaves, so the agent creates and removes the pod level (pitfall 7).
/// </summary>
internal sealed class PodCgroups(string root, string mountPoint = "/sys/fs/cgroup")
{
    public string Parent(string uid) => $"{root.TrimEnd('/')}/pod{uid}";

    public void Create(string uid)
    {
        foreach (var h in Hierarchies())
        {
            try { Directory.CreateDirectory(h + Parent(uid)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* runc creates it too */ }
        }
    }

    /// <summary>Removes the pod's cgroup directories depth-first; busy ones (a process left) are kept.</summary>
    public void Remove(string uid)
    {
        foreach (var h in Hierarchies()) RemoveTree(h + Parent(uid));
    }

    /// <summary>Removes the root too when empty (tests with a unique root).</summary>
    public void RemoveRoot()
    {
        foreach (var h in Hierarchies()) RemoveTree(h + root.TrimEnd('/'));
    }

    private static void RemoveTree(string dir)
    {
        if (!Directory.Exists(dir)) return;
        try
        {
            foreach (var sub in Directory.GetDirectories(dir)) RemoveTree(sub);
            Directory.Delete(dir);   // rmdir: cgroupfs refuses recursive deletes of its control files
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private IEnumerable<string> Hierarchies()
    {
        if (!Directory.Exists(mountPoint)) yield break;
        if (File.Exists(Path.Combine(mountPoint, "cgroup.controllers")))
        {
            yield return mountPoint;   // cgroup v2
            yield break;
        }
        foreach (var d in Directory.GetDirectories(mountPoint))
        {
            var name = Path.GetFileName(d);
            if (name is "unified") continue;
            if (new DirectoryInfo(d).LinkTarget is not null) continue;   // cpu -> cpu,cpuacct symlinks
            yield return d;
        }
    }
}
