namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>The repository root: the nearest ancestor of the test assembly's folder that holds <c>Bosun.slnx</c>.</summary>
internal static class RepoRoot
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Bosun.slnx"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"No Bosun.slnx above {AppContext.BaseDirectory}");
    });

    public static string Path => Root.Value;
}
