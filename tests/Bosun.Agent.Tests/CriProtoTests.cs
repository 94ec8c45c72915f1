using Bosun.Cri.V1;
using Google.Protobuf;

namespace Bosun.Agent.Tests;

public sealed class CriProtoTests
{
    [Fact]
    public void ContainerConfigRoundTripsSecurityFieldsUsedForRuntimeDefaults()
    {
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = "app", Attempt = 2 },
            Linux = new LinuxContainerConfig
            {
                SecurityContext = new LinuxContainerSecurityContext
                {
                    Seccomp = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.RuntimeDefault },
                    MaskedPaths = { "/proc/kcore" },
                    ReadonlyPaths = { "/proc/sys" },
                },
            },
        };
        var parsed = ContainerConfig.Parser.ParseFrom(config.ToByteArray());
        Assert.Equal("app", parsed.Metadata.Name);
        Assert.Equal(2u, parsed.Metadata.Attempt);
        Assert.Equal(["/proc/kcore"], parsed.Linux.SecurityContext.MaskedPaths);
        Assert.Equal(["/proc/sys"], parsed.Linux.SecurityContext.ReadonlyPaths);
    }
}
