using Bosun.Agent.Images;
using static Bosun.Agent.Images.ImageDirectory;

namespace Bosun.Agent.Tests.Images;

public sealed class ImageDirectoryTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 1, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ToImport_NewTarballs_InNameOrder_SkippingOtherFiles()
    {
        var current = new Dictionary<string, FileStamp>
        {
            ["/i/b.tar"] = new(10, Now.AddMinutes(-1)),
            ["/i/a.tar.gz"] = new(10, Now.AddMinutes(-1)),
            ["/i/c.tgz"] = new(10, Now.AddMinutes(-1)),
            ["/i/readme.txt"] = new(10, Now.AddMinutes(-1)),
        };

        Assert.Equal(["/i/a.tar.gz", "/i/b.tar", "/i/c.tgz"], ToImport(current, new Dictionary<string, FileStamp>(), Now, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void ToImport_AlreadyImportedAndUnchanged_IsSkipped_ChangedIsImportedAgain()
    {
        var old = new FileStamp(10, Now.AddMinutes(-5));
        var imported = new Dictionary<string, FileStamp> { ["/i/a.tar"] = old, ["/i/b.tar"] = old };
        var current = new Dictionary<string, FileStamp> { ["/i/a.tar"] = old, ["/i/b.tar"] = new(12, Now.AddMinutes(-1)) };

        Assert.Equal(["/i/b.tar"], ToImport(current, imported, Now, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void ToImport_FileStillBeingWritten_WaitsForTheNextScan()
    {
        var current = new Dictionary<string, FileStamp> { ["/i/a.tar"] = new(10, Now.AddMilliseconds(-200)) };

        Assert.Empty(ToImport(current, new Dictionary<string, FileStamp>(), Now, TimeSpan.FromSeconds(1)));
    }
}
