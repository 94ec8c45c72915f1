namespace Bosun.Proxy.Tests.Netns;

/// <summary>A fact that needs root and the <c>ip</c>/<c>iptables</c> tools (network namespaces); skipped elsewhere, saying why.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") Skip = "needs root on Linux (network namespaces, iptables)";
        else if (!File.Exists("/usr/sbin/iptables-restore") && !File.Exists("/sbin/iptables-restore")) Skip = "needs iptables-restore";
    }
}
