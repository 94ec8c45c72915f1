using System.Net;
using System.Net.Sockets;
using System.Text;
using Bosun.Agent.Images;
using Bosun.Cri.V1;
using Bosun.Testing.Containers;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Containers.Tests;

[Collection(ContainerdCollection.Name)]
[Trait("Category", "Containers")]
public sealed class ImageTests(SharedContainerd shared)
{
    private readonly ContainerdFixture _containerd = shared.Containerd;

    private static readonly RootfsEntry[] Marker =
    [
        new RootfsEntry.Directory("bin"),
        new RootfsEntry.File("bin/busybox", RootfsEntry.ExecutableMode, SourcePath: PauseImage.BusyboxPath),
        new RootfsEntry.File("marker", RootfsEntry.DefaultFileMode, Content: "from the images directory\n"u8.ToArray()),
    ];

    [Fact]
    public async Task ImageDirectory_DockerArchiveAndOciLayoutAdded_AreImportedOnceAndRunnable()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string dockerName = $"localhost/dir-docker-{suffix}:1", ociName = $"localhost/dir-oci-{suffix}:1";
        var dir = Directory.CreateTempSubdirectory("bosun-images-");
        try
        {
            var config = new ImageConfig { Entrypoint = ["/bin/busybox"], Cmd = ["cat", "/marker"] };
            await using (var f = File.Create(Path.Combine(dir.FullName, "docker.tar"))) DockerArchiveWriter.Write(Marker, [dockerName], config, f);
            await using (var f = File.Create(Path.Combine(dir.FullName, "oci.tar"))) OciArchiveWriter.Write(Marker, ociName, config, f);
            foreach (var f in dir.GetFiles()) f.LastWriteTimeUtc = DateTime.UtcNow.AddSeconds(-10);   // fully written
            var images = new ImageDirectory(dir.FullName, new ImageImporter(_containerd.Socket), NullLogger.Instance);

            var first = await images.ScanAsync(CancellationToken.None);
            var second = await images.ScanAsync(CancellationToken.None);

            Assert.Equal([dockerName, ociName], first.Order(StringComparer.Ordinal));
            Assert.Empty(second);
            var docker = await StatusAsync(dockerName);
            var oci = await StatusAsync(ociName);
            Assert.Equal(docker!.Id, oci!.Id);   // same layer and config: both formats carry the same digests

            var sandbox = Pods.Sandbox(_containerd, "from-oci");
            var (podId, ids) = await Pods.RunAsync(_containerd.Cri, sandbox, Pods.Container("cat", ociName));
            try
            {
                await Pods.EventuallyAsync(async () =>
                    (await _containerd.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = ids[0] })).Status.State == ContainerState.ContainerExited,
                    TimeSpan.FromSeconds(20), "the cat container to exit");
                var log = await File.ReadAllTextAsync(Path.Combine(sandbox.LogDirectory, "cat", "0.log"));
                Assert.Contains(" stdout F from the images directory", log);
            }
            finally
            {
                await Pods.RemoveAsync(_containerd.Cri, podId);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
            foreach (var name in (string[])[dockerName, ociName])
                await _containerd.Cri.Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = name } });
        }
    }

    [Fact]
    public async Task ImageDirectory_RunAsync_ImportsATarballAddedWhileRunning_ThroughInotifyBeforeTheResync()
    {
        var name = $"localhost/added-later-{Guid.NewGuid().ToString("N")[..8]}:1";
        var dir = Directory.CreateTempSubdirectory("bosun-images-");
        using var stop = new CancellationTokenSource();
        var images = new ImageDirectory(dir.FullName, new ImageImporter(_containerd.Socket), NullLogger.Instance);
        // A resync far beyond the test's wait: the new file must be noticed through inotify.
        var running = images.RunAsync(TimeSpan.FromMinutes(10), stop.Token);
        try
        {
            var tarball = Path.Combine(dir.FullName, "later.tar");
            await using (var f = File.Create(tarball + ".part")) DockerArchiveWriter.Write(Marker, [name], new ImageConfig { Cmd = ["/bin/busybox", "true"] }, f);
            File.Move(tarball + ".part", tarball);   // a copy in progress would be skipped until its mtime settles

            await Pods.EventuallyAsync(async () => await StatusAsync(name) is not null, TimeSpan.FromSeconds(20), $"{name} imported from the images directory");
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
            dir.Delete(recursive: true);
            await _containerd.Cri.Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = name } });
        }
    }

    [Fact]
    public async Task PullImage_ThroughARegistriesYamlMirror_AsksTheMirrorAndReportsNotFound()
    {
        using var server = new NotFoundRegistry();
        using var mirror = new NotFoundRegistry();
        var registry = $"127.0.0.1:{server.Port}";
        RegistriesConfig.Parse($"mirrors:\n  \"{registry}\":\n    endpoint: [\"http://127.0.0.1:{mirror.Port}\"]\n").WriteHostsToml(_containerd.CertsDir);
        var image = $"{registry}/bosun/nope:1";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _containerd.Cri.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = image } }).ResponseAsync);
        var failure = ImagePullErrors.Classify(image, error);

        Assert.Contains(mirror.Requests, r => r.Contains("/v2/bosun/nope/manifests/1", StringComparison.Ordinal));
        Assert.Equal(ImagePullFailureKind.NotFound, failure.Kind);
        Assert.Equal(ImagePullErrors.ErrImagePull, failure.Reason);
        Assert.StartsWith($"Failed to pull image \"{image}\": rpc error: code = ", failure.Message);
        Assert.EndsWith("not found", failure.Message);
    }

    [Fact]
    public async Task PullImage_RegistryNotListening_IsUnreachable()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var image = $"127.0.0.1:{port}/bosun/nothing:1";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _containerd.Cri.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = image } }).ResponseAsync);
        var failure = ImagePullErrors.Classify(image, error);

        Assert.Equal(ImagePullFailureKind.Unreachable, failure.Kind);
        Assert.Contains("connection refused", failure.Message);
    }

    private async Task<Image?> StatusAsync(string image) =>
        (await _containerd.Cri.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = image } })).Image;

    /// <summary>A loopback HTTP listener that answers every request 404 and records its request line.</summary>
    private sealed class NotFoundRegistry : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _requests = [];

        public NotFoundRegistry()
        {
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public IReadOnlyList<string> Requests
        {
            get { lock (_requests) return [.. _requests]; }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var stream = client.GetStream();
                    var head = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var n = await stream.ReadAsync(buffer, _stop.Token);
                        if (n == 0) break;
                        head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }
                    lock (_requests) _requests.Add(head.ToString().Split("\r\n")[0]);
                    await stream.WriteAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
