using Bosun.Agent.Images;
using Bosun.Cri.V1;
using Bosun.Testing.Containers;

namespace Bosun.Containers.Tests;

/// <summary>
/// <c>bosun image push</c> run as the built binary against a real registry (docker-registry, htpasswd auth), and the
/// pushed image pulled back by containerd through CRI with the same credentials.
/// </summary>
[Collection(ContainerdCollection.Name)]
[Trait("Category", "Containers")]
public sealed class ImagePushCommandTests(SharedContainerd shared) : IDisposable
{
    private readonly ContainerdFixture _containerd = shared.Containerd;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("bosun-push-test-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task ImagePush_ToAuthenticatedRegistry_RefusedWithWrongPassword_PushedOnceThenSkipped_PullableByContainerd()
    {
        await using var registry = await RegistryFixture.StartAsync("pusher", "pw-123");
        var (busybox, id) = UniqueImage();
        var reference = $"{registry.Host}/tools/busybox:pushed";

        var (exit, output) = ImageBuildCommandTests.RunBosun("image", "push", busybox, reference, "--insecure", "-u", "pusher", "-p", "wrong");
        Assert.True(exit == 1, output);
        Assert.Contains("bosun image push: HEAD blob sha256:", output);
        Assert.Contains("401 Unauthorized", output);

        (exit, output) = ImageBuildCommandTests.RunBosun("image", "push", busybox, reference, "--insecure", "-u", "pusher", "-p", "pw-123");
        Assert.True(exit == 0, output);
        Assert.Equal(2, output.Split('\n').Count(l => l.Contains(": pushed ", StringComparison.Ordinal)));
        Assert.Contains("pushed: digest: sha256:", output);

        (exit, output) = ImageBuildCommandTests.RunBosun("image", "push", busybox, reference, "--insecure", "-u", "pusher", "-p", "pw-123");
        Assert.True(exit == 0, output);
        Assert.Equal(2, output.Split('\n').Count(l => l.EndsWith(": already exists", StringComparison.Ordinal)));

        // containerd reaches a loopback registry over plain http (as RegistriesConfig writes for it) with the CRI auth.
        var toml = RegistriesConfig.Parse($"configs:\n  \"{registry.Host}\": {{}}\n").ToHostsToml()[registry.Host];
        Directory.CreateDirectory(Path.Combine(_containerd.CertsDir, registry.Host));
        await File.WriteAllTextAsync(Path.Combine(_containerd.CertsDir, registry.Host, "hosts.toml"), toml);
        try
        {
            var pulled = await _containerd.Cri.Images.PullImageAsync(new PullImageRequest
            {
                Image = new ImageSpec { Image = reference },
                Auth = new AuthConfig { Username = "pusher", Password = "pw-123" },
            });
            Assert.Equal(id, pulled.ImageRef);
            await _containerd.Cri.Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = reference } });
        }
        finally
        {
            Directory.Delete(Path.Combine(_containerd.CertsDir, registry.Host), recursive: true);
        }
    }

    [Fact]
    public async Task ImagePush_TlsRegistry_VerifiedWithCaFile_RefusedWithout_ContainerdPullsThroughRegistriesYamlCaFile()
    {
        await using var registry = await RegistryFixture.StartAsync("pusher", "pw-123", tls: true);
        var (busybox, id) = UniqueImage();
        var reference = $"{registry.Host}/secure/busybox:tls";

        var (exit, output) = ImageBuildCommandTests.RunBosun("image", "push", busybox, reference, "-u", "pusher", "-p", "pw-123");
        Assert.True(exit == 1, output);
        Assert.Contains("The SSL connection could not be established", output);
        Assert.Contains("The remote certificate is invalid", output);
        (exit, output) = ImageBuildCommandTests.RunBosun("image", "push", busybox, reference,
            "--ca-file", registry.CaFile!, "-u", "pusher", "-p", "pw-123");
        Assert.True(exit == 0, output);

        // A mirror name for the TLS registry; its CA and credentials from registries.yaml (hosts.toml "ca", CRI auth).
        var mirror = $"secure-{Guid.NewGuid().ToString("N")[..6]}.local";
        var registries = RegistriesConfig.Parse($"mirrors:\n  \"{mirror}\":\n    endpoint: [\"https://{registry.Host}\"]\n"
            + $"configs:\n  \"{registry.Host}\":\n    tls:\n      ca_file: {registry.CaFile}\n    auth:\n      username: pusher\n      password: pw-123\n");
        var toml = registries.ToHostsToml()[mirror];
        Assert.Contains($"ca = \"{registry.CaFile}\"", toml);
        // The mirror name's own upstream is a closed loopback port: nothing may go to DNS or the network.
        toml = toml.Replace($"server = \"https://{mirror}\"", $"server = \"http://127.0.0.1:{ClosedPort()}\"");
        var dir = Path.Combine(_containerd.CertsDir, mirror);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "hosts.toml"), toml);
        try
        {
            var image = $"{mirror}/secure/busybox:tls";
            var pulled = await _containerd.Cri.Images.PullImageAsync(new PullImageRequest
            {
                Image = new ImageSpec { Image = image },
                Auth = PullCredentials.For(image, registries, []).Single(),
            });
            Assert.Equal(id, pulled.ImageRef);
            await _containerd.Cri.Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = image } });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// An image of this test only (CRI RemoveImage drops every tag of an image id, so pulling and removing a shared test
    /// image would take it from the other tests): a tarball in the test's temp dir, and its id.
    /// </summary>
    private (string Tarball, string Id) UniqueImage()
    {
        var file = Path.Combine(_temp.FullName, $"{Guid.NewGuid():N}.tar");
        using var stream = File.Create(file);
        var built = DockerArchiveWriter.Write(
            [new RootfsEntry.File("id", RootfsEntry.DefaultFileMode, Content: System.Text.Encoding.UTF8.GetBytes(file))], ["push/test:1"], new ImageConfig(), stream);
        return (file, built.Id);
    }

    private static int ClosedPort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public void ImagePush_ReferenceWithoutRegistryHost_ExitsTwoWithTheReason()
    {
        var (exit, output) = ImageBuildCommandTests.RunBosun("image", "push", "/nonexistent.tar", "busybox:1");

        Assert.Equal(2, exit);
        Assert.Contains("bosun image push: \"busybox:1\" names no registry host: write HOST[:PORT]/NAME[:TAG]", output);
    }
}
