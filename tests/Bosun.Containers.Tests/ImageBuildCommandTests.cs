using System.Reflection;
using Bosun.Testing;
using Bosun.Agent.Images;
using Bosun.Cri.V1;
using Bosun.Testing.Containers;

namespace Bosun.Containers.Tests;

/// <summary><c>bosun image build</c> run as the built binary; its tarball imported into containerd and run.</summary>
[Collection(ContainerdCollection.Name)]
[Trait("Category", "Containers")]
public sealed class ImageBuildCommandTests(SharedContainerd shared)
{
    private readonly ContainerdFixture _containerd = shared.Containerd;

    [Theory]
    [InlineData("docker-archive")]
    [InlineData("oci")]
    public async Task ImageBuild_RootfsDirectory_ImportsAndRunsWithItsEntrypointEnvAndWorkdir(string format)
    {
        var dir = Directory.CreateTempSubdirectory("bosun-build-");
        var tag = $"localhost/built-{format}-{Guid.NewGuid().ToString("N")[..6]}:1";
        try
        {
            var rootfs = Directory.CreateDirectory(Path.Combine(dir.FullName, "rootfs"));
            Directory.CreateDirectory(Path.Combine(rootfs.FullName, "bin"));
            Directory.CreateDirectory(Path.Combine(rootfs.FullName, "work"));
            File.Copy(PauseImage.BusyboxPath, Path.Combine(rootfs.FullName, "bin", "busybox"));
            File.CreateSymbolicLink(Path.Combine(rootfs.FullName, "bin", "sh"), "busybox");
            var tarball = Path.Combine(dir.FullName, "image.tar");

            var (exit, output) = RunBosun("image", "build", "--rootfs", rootfs.FullName, "--tag", tag,
                "--entrypoint", "/bin/sh", "--entrypoint", "-c", "--cmd", "echo \"$GREETING from $(pwd)\"", "--env", "GREETING=hello", "--env", "PATH=/bin",
                "--workdir", "/work", "--format", format, "-o", tarball);
            Assert.True(exit == 0, output);
            Assert.StartsWith($"{tag} sha256:", output);

            await new ImageImporter(_containerd.Socket).ImportAsync(tarball, CancellationToken.None);
            var sandbox = Pods.Sandbox(_containerd, "built");
            var (podId, ids) = await Pods.RunAsync(_containerd.Cri, sandbox, Pods.Container("app", tag));
            try
            {
                await Pods.EventuallyAsync(async () =>
                    (await _containerd.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = ids[0] })).Status.State == ContainerState.ContainerExited,
                    TimeSpan.FromSeconds(20), "the container to exit");
                var status = (await _containerd.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = ids[0] })).Status;
                Assert.Equal(0, status.ExitCode);
                Assert.Contains(" stdout F hello from /work", await File.ReadAllTextAsync(Path.Combine(sandbox.LogDirectory, "app", "0.log")));
            }
            finally
            {
                await Pods.RemoveAsync(_containerd.Cri, podId);
                await _containerd.Cri.Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = tag } });
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void ImageBuild_BadArguments_ExitsTwoNamingEachProblem()
    {
        var (exit, output) = RunBosun("image", "build", "--rootfs", "/nonexistent-rootfs", "--tag", "NoTag", "--env", "NOEQUALS", "-o", "/tmp/never.tar");

        Assert.Equal(2, exit);
        Assert.Contains("bosun image build: --tag: \"NoTag\" is not NAME:TAG", output);
        Assert.Contains("bosun image build: --env: \"NOEQUALS\" is not K=V", output);
        Assert.Contains("bosun image build: --rootfs: directory \"/nonexistent-rootfs\" does not exist", output);
        Assert.False(File.Exists("/tmp/never.tar"));
    }

    /// <summary>Runs <c>bosun</c> with <paramref name="args"/> to its end, as the host commands are run.</summary>
    internal static (int ExitCode, string Output) RunBosun(params string[] args) =>
        HostCommand.Run(BosunExecutable.CommandLine[0], [.. BosunExecutable.CommandLine.Skip(1), .. args]);
}
