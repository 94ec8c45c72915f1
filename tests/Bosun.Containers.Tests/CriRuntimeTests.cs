using System.Text;
using Bosun.Agent.Images;
using Bosun.Cri.V1;
using Bosun.Testing.Containers;

namespace Bosun.Containers.Tests;

[Collection(ContainerdCollection.Name)]
[Trait("Category", "Containers")]
public sealed class CriRuntimeTests(SharedContainerd shared)
{
    private readonly ContainerdFixture _containerd = shared.Containerd;

    [Fact]
    public async Task Status_SupervisedContainerd_IsRuntimeAndNetworkReady()
    {
        var status = await _containerd.Cri.Runtime.StatusAsync(new StatusRequest());
        var version = await _containerd.Cri.Runtime.VersionAsync(new VersionRequest());

        Assert.True(status.Status.Conditions.Single(c => c.Type == "RuntimeReady").Status);
        Assert.True(status.Status.Conditions.Single(c => c.Type == "NetworkReady").Status);
        Assert.Equal("v1", version.RuntimeApiVersion);
        Assert.Equal("containerd", version.RuntimeName);
    }

    [Fact]
    public async Task ListImages_ShowsThePauseImageAndTheTestImages()
    {
        var tags = (await _containerd.Cri.Images.ListImagesAsync(new ListImagesRequest())).Images.SelectMany(i => i.RepoTags).ToList();

        Assert.Contains(PauseImage.Reference, tags);
        Assert.Contains("docker.io/library/busybox:latest", tags);
        Assert.Contains("docker.io/ikubernetes/myapp:v1", tags);
        Assert.Contains("docker.io/ikubernetes/myapp:v2", tags);
        var pause = HostCommand.Run("ctr", "--address", _containerd.Socket, "--namespace", "k8s.io", "images", "ls", $"name=={PauseImage.Reference}").Output;
        Assert.Contains($"{PauseImage.PinnedLabel}=pinned", pause);   // kept out of image garbage collection
    }

    [Fact]
    public void SupervisedContainerd_RunsInItsOwnSession_SoAKilledAgentLeavesItRunning()
    {
        static (int Pgid, int Sid) Ids(int pid)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[2]), int.Parse(fields[3]));   // state ppid pgrp session
        }

        var containerd = Ids(_containerd.Pid);
        var us = Ids(Environment.ProcessId);

        Assert.Equal(_containerd.Pid, containerd.Sid);   // session leader (setsid)
        Assert.NotEqual(us.Sid, containerd.Sid);
        Assert.NotEqual(us.Pgid, containerd.Pgid);
        Assert.Contains(_containerd.DataDir, string.Join(' ', Bosun.Agent.Runtime.ProcessInfo.CommandLine(_containerd.Pid)));
    }

    [Fact]
    public async Task BusyboxContainer_InASandbox_RunsAndAnswersExecSync()
    {
        var sandbox = Pods.Sandbox(_containerd, "exec-demo");
        var (podId, ids) = await Pods.RunAsync(_containerd.Cri, sandbox, Pods.Container("busybox", TestImages.Busybox, "sleep", "3600"));
        try
        {
            var status = await _containerd.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = ids[0] });
            Assert.Equal(ContainerState.ContainerRunning, status.Status.State);

            var hello = await _containerd.Cri.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = ids[0], Cmd = { "sh", "-c", "echo hi; hostname; echo err >&2" }, Timeout = 10 });
            Assert.Equal(0, hello.ExitCode);
            Assert.Equal("hi\nexec-demo\n", hello.Stdout.ToStringUtf8());
            Assert.Equal("err\n", hello.Stderr.ToStringUtf8());

            var failing = await _containerd.Cri.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = ids[0], Cmd = { "sh", "-c", "exit 3" }, Timeout = 10 });
            Assert.Equal(3, failing.ExitCode);
        }
        finally
        {
            await Pods.RemoveAsync(_containerd.Cri, podId);
        }
    }

    [Fact]
    public async Task MyAppPod_PodIpAnswersHttpFromTheHost_WithVersionAndHostName()
    {
        var sandbox = Pods.Sandbox(_containerd, "myapp-http");
        var (podId, _) = await Pods.RunAsync(_containerd.Cri, sandbox, Pods.Container("myapp", TestImages.MyAppV1));
        try
        {
            var ip = await Pods.IpAsync(_containerd.Cri, podId);
            Assert.True(_containerd.Subnet.Contains(System.Net.IPAddress.Parse(ip)), $"pod IP {ip} outside {_containerd.Subnet}");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string? index = null;
            await Pods.EventuallyAsync(async () =>
            {
                try
                {
                    index = await http.GetStringAsync($"http://{ip}/");
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(20), $"httpd on {ip}:80");

            Assert.Equal(TestImages.MyAppIndex("v1"), index);
            Assert.Equal("myapp-http\n", await http.GetStringAsync($"http://{ip}/hostname.html"));
        }
        finally
        {
            await Pods.RemoveAsync(_containerd.Cri, podId);
        }
    }

    [Fact]
    public async Task ContainerLog_IsWrittenInCriFormat()
    {
        var sandbox = Pods.Sandbox(_containerd, "log-demo");
        var (podId, ids) = await Pods.RunAsync(_containerd.Cri, sandbox, Pods.Container("printer", TestImages.Busybox, "sh", "-c", "echo to-stdout; echo to-stderr >&2"));
        try
        {
            var log = Path.Combine(sandbox.LogDirectory, "printer", "0.log");
            await Pods.EventuallyAsync(async () =>
                (await _containerd.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = ids[0] })).Status.State == ContainerState.ContainerExited,
                TimeSpan.FromSeconds(20), "the printer container to exit");

            var lines = await File.ReadAllLinesAsync(log, Encoding.UTF8);
            Assert.Contains(lines, l => l.EndsWith(" stdout F to-stdout", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.EndsWith(" stderr F to-stderr", StringComparison.Ordinal));
        }
        finally
        {
            await Pods.RemoveAsync(_containerd.Cri, podId);
        }
    }
}
