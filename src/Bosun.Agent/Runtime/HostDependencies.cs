namespace Bosun.Agent.Runtime;

/// <summary>
/// What the agent needs on the host to run pods, and which Debian package brings each piece. Pure: the probe that
/// looks at the file system is <see cref="HostDependencyProbe"/>.
/// </summary>
internal static class HostDependencies
{
    /// <summary>One thing the agent needs: a file (or a statically linked busybox) and the Debian package providing it.</summary>
    public sealed record Requirement(string Name, string Path, string Package, bool MustBeStatic = false);

    /// <summary>Everything checked, in the order packages are listed on the install line.</summary>
    public static readonly IReadOnlyList<Requirement> All =
    [
        new("containerd", "/usr/bin/containerd", "containerd"),
        new("ctr", "/usr/bin/ctr", "containerd"),
        new("containerd-shim-runc-v2", "/usr/bin/containerd-shim-runc-v2", "containerd"),
        new("runc", ContainerdConfig.RuncBinary, "runc"),
        new("CNI bridge plugin", $"{ContainerdConfig.CniBinDir}/bridge", "containernetworking-plugins"),
        new("CNI host-local plugin", $"{ContainerdConfig.CniBinDir}/host-local", "containernetworking-plugins"),
        new("CNI portmap plugin", $"{ContainerdConfig.CniBinDir}/portmap", "containernetworking-plugins"),
        new("CNI loopback plugin", $"{ContainerdConfig.CniBinDir}/loopback", "containernetworking-plugins"),
        new("iptables", "/usr/sbin/iptables", "iptables"),
        // The pause image and test images are made from it offline; a dynamically linked busybox would not run in them.
        new("static busybox", "/bin/busybox", "busybox-static", MustBeStatic: true),
    ];

    /// <summary>The packages to install for <paramref name="missing"/> requirements, each once, in <see cref="All"/>'s order.</summary>
    public static IReadOnlyList<string> PackagesFor(IEnumerable<Requirement> missing)
    {
        var set = missing.Select(r => r.Package).ToHashSet(StringComparer.Ordinal);
        return All.Select(r => r.Package).Distinct().Where(set.Contains).ToList();
    }

    public static string InstallCommand(IReadOnlyList<string> packages) => "apt-get install -y " + string.Join(' ', packages);

    /// <summary>What to do about missing packages.</summary>
    public static DependencyDecision Decide(IReadOnlyList<Requirement> missing, bool isRoot, bool noInstall)
    {
        if (missing.Count == 0) return DependencyDecision.Satisfied;
        var packages = PackagesFor(missing);
        var what = string.Join(", ", missing.Select(r => r.Name));
        if (isRoot && !noInstall)
            return new DependencyDecision(DependencyAction.Install, packages, $"missing {what}; installing: {InstallCommand(packages)}");
        var why = noInstall ? "--no-install was given" : "not running as root";
        return new DependencyDecision(DependencyAction.Fail, packages,
            $"missing {what} ({why}); install them with:\n  {InstallCommand(packages)}");
    }
}

internal enum DependencyAction { None, Install, Fail }

/// <summary>The outcome of <see cref="HostDependencies.Decide"/>: nothing to do, install these packages, or stop with a message.</summary>
internal sealed record DependencyDecision(DependencyAction Action, IReadOnlyList<string> Packages, string Message)
{
    public static readonly DependencyDecision Satisfied = new(DependencyAction.None, [], "");
}
