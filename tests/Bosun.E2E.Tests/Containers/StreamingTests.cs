using System.Net.Sockets;
using Bosun.E2E.Tests.Infrastructure;
using Bosun.Testing.Containers;

namespace Bosun.E2E.Tests.Containers;

/// <summary><c>kubectl logs</c>, <c>exec</c> and <c>port-forward</c> through the built server to its agent and containerd.</summary>
[Trait("Category", "Containers")]
[Collection(AgentClusterCollection.Name)]
public sealed class StreamingTests(AgentCluster cluster)
{
    private readonly Kubectl _kubectl = cluster.Kubectl;

    private async Task<string> RunPodAsync(string prefix, string name, string container, string image, string command)
    {
        var ns = await cluster.CreateNamespaceAsync(prefix);
        var commandLine = command.Length == 0 ? "" : $"\n    command: [\"/bin/sh\", \"-c\", \"{command}\"]";
        (await _kubectl.RunWithInputAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: {{name}}, namespace: {{ns}}}
            spec:
              containers:
              - name: {{container}}
                image: {{image}}
                imagePullPolicy: IfNotPresent{{commandLine}}
            """, "create", "-f", "-")).Ok();
        await cluster.WaitRunningAndReadyAsync(ns, name);
        return ns;
    }

    [Fact]
    public async Task Logs_ContainerAndTail_PrintTheContainersOutput()
    {
        var ns = await RunPodAsync("logs", "talker", "main", TestImages.Busybox, "for i in 1 2 3; do echo line-$i; done; sleep 1; echo oops >&2; sleep 600");

        await Poll.UntilAsync(async () => (await _kubectl.RunAsync("logs", "talker", "-n", ns)).Stdout.Contains("oops"),
            TimeSpan.FromSeconds(20), "the log lines");
        // stdout and stderr are separate pipes, read independently: only the second between them orders the lines.
        var all = (await _kubectl.RunAsync("logs", "talker", "-c", "main", "-n", ns)).Ok();
        Assert.Equal("line-1\nline-2\nline-3\noops\n", all.Stdout);
        var tail = (await _kubectl.RunAsync("logs", "talker", "-n", ns, "--tail=2")).Ok();
        Assert.Equal("line-3\noops\n", tail.Stdout);
        var missing = await _kubectl.RunAsync("logs", "talker", "-c", "nope", "-n", ns);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("container nope is not valid for pod talker", missing.Stderr);
    }

    [Fact]
    public async Task Exec_StdoutStderrStdinAndExitCode_AllPropagated()
    {
        var ns = await RunPodAsync("exec", "shell", "main", TestImages.Busybox, "sleep 600");

        var output = (await _kubectl.RunAsync("exec", "shell", "-n", ns, "--", "sh", "-c", "echo to-out; echo to-err >&2")).Ok();
        Assert.Equal("to-out\n", output.Stdout);
        Assert.Contains("to-err", output.Stderr);

        var echoed = (await _kubectl.RunWithInputAsync("hello through stdin\n", "exec", "-i", "shell", "-n", ns, "--", "cat")).Ok();
        Assert.Equal("hello through stdin\n", echoed.Stdout);

        var failed = await _kubectl.RunAsync("exec", "shell", "-n", ns, "--", "sh", "-c", "exit 7");
        Assert.Equal(7, failed.ExitCode);
        Assert.Contains("command terminated with exit code 7", failed.Stderr);
    }

    [Fact]
    public async Task PortForward_LocalPort_ReachesMyappInThePod()
    {
        var ns = await RunPodAsync("portfwd", "web", "myapp", TestImages.MyAppV1, "");
        var local = FreePort.Next();

        using var forward = _kubectl.Start("port-forward", "pod/web", $"{local}:80", "-n", ns, "--address", "127.0.0.1");
        await forward.WaitForLineAsync("Forwarding from 127.0.0.1", TimeSpan.FromSeconds(30));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(TestImages.MyAppIndex("v1"), await http.GetStringAsync($"http://127.0.0.1:{local}/"));
        Assert.Equal(TestImages.MyAppIndex("v1"), await http.GetStringAsync($"http://127.0.0.1:{local}/index.html"));
    }

    [Fact]
    public async Task TopPod_BusyContainer_ShowsCpuAndMemoryFromCriStats()
    {
        var ns = await RunPodAsync("top", "busy", "main", TestImages.Busybox, "while true; do :; done");

        // The agent reports CRI stats every 15 s; the metrics API serves the latest report.
        KubectlResult top = null!;
        await Poll.UntilAsync(async () => (top = await _kubectl.RunAsync("top", "pod", "busy", "-n", ns)).ExitCode == 0,
            TimeSpan.FromSeconds(60), "kubectl top pod to answer");
        Assert.Matches(@"^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$", top.Lines[0]);
        var columns = top.Lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("busy", columns[0]);
        Assert.True(int.Parse(columns[1].TrimEnd('m')) > 100, $"a busy loop uses more than 100m: {top.Lines[1]}");
        Assert.EndsWith("Mi", columns[2]);
    }
}
