using Bosun.Agent.Runtime;

namespace Bosun.Agent.Tests.Runtime;

public sealed class HostDependencyProbeTests
{
    [Fact]
    public void FindMissing_EmptyRoot_ReportsEveryRequirement()
    {
        var dir = Directory.CreateTempSubdirectory("bosun-deps-");
        try
        {
            Assert.Equal(HostDependencies.All, HostDependencyProbe.FindMissing(p => dir.FullName + p));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void FindMissing_DynamicBusybox_IsMissingTheStaticOne()
    {
        var dir = Directory.CreateTempSubdirectory("bosun-deps-");
        try
        {
            foreach (var r in HostDependencies.All)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(dir.FullName + r.Path)!);
                File.Copy(r.MustBeStatic ? "/bin/ls" : "/bin/true", dir.FullName + r.Path);   // /bin/ls is dynamically linked
            }

            Assert.Equal(["static busybox"], HostDependencyProbe.FindMissing(p => dir.FullName + p).Select(r => r.Name));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
