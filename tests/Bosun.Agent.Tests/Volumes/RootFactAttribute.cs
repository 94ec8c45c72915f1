namespace Bosun.Agent.Tests.Volumes;

/// <summary>A fact that needs root (mount(2)); skipped, saying why, when the tests do not run as root.</summary>
internal sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess) Skip = "needs root to mount tmpfs";
    }
}
