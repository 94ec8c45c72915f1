using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Bosun.Testing;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>
/// The built <c>bosun server</c> with its built-in agent on the shared private containerd
/// (<c>--container-runtime-endpoint</c>), driven by the real kubectl: the node registers Ready and a pod runs.
/// </summary>
[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class ServerWithAgentTests(AgentCluster fixture)
{
    [Fact]
    public async Task BosunServer_WithBuiltInAgent_RunsAPodThroughKubectl()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "bosun-sa-" + Guid.NewGuid().ToString("N")[..8]);
        var node = "srv-" + Guid.NewGuid().ToString("N")[..6];
        var port = FreePort();
        var psi = BosunExecutable.StartInfo("server", "--data-dir", dataDir, "--https-listen-port", port.ToString(), "--bind-address", "127.0.0.1",
            "--container-runtime-endpoint", fixture.Containerd.Socket, "--node-name", node, "--node-ip", "127.0.0.1", "--disable-kube-proxy", "--disable-cluster-dns",
            "--cgroup-root", $"/bosun-test-{fixture.Containerd.Id}");
        var log = new StringBuilder();
        using var server = Process.Start(psi)!;
        server.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var kubeconfig = Path.Combine(dataDir, "admin.kubeconfig");
        try
        {
            await TestCluster.EventuallyAsync(async () => !server.HasExited && File.Exists(kubeconfig)
                && (await KubectlAsync(kubeconfig, "get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).Output == "True",
                TimeSpan.FromSeconds(90), "node Ready");
            var manifest = Path.Combine(dataDir, "pod.yaml");
            await File.WriteAllTextAsync(manifest, $$"""
                apiVersion: v1
                kind: Pod
                metadata: { name: hello }
                spec:
                  terminationGracePeriodSeconds: 2
                  containers:
                  - { name: app, image: "{{Bosun.Testing.Containers.TestImages.Busybox}}", imagePullPolicy: IfNotPresent, command: ["sleep", "3600"] }
                """);
            Assert.Equal(0, (await KubectlAsync(kubeconfig, "apply", "-f", manifest)).Code);
            var wait = await KubectlAsync(kubeconfig, "wait", "--for=condition=Ready", "pod/hello", "--timeout=90s");
            Assert.True(wait.Code == 0, wait.Output + "\n" + Log(log));
            Assert.Equal($"Running {node}", (await KubectlAsync(kubeconfig, "get", "pod", "hello", "-o", "jsonpath={.status.phase} {.spec.nodeName}")).Output);
            Assert.Equal(0, (await KubectlAsync(kubeconfig, "delete", "pod", "hello", "--timeout=60s")).Code);

            Signal(server.Id, 15);
            Assert.True(server.WaitForExit(30_000), "server did not stop on SIGTERM\n" + Log(log));
            Assert.Equal(0, server.ExitCode);
        }
        finally
        {
            if (!server.HasExited) server.Kill();
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }

    private static string Log(StringBuilder log) { lock (log) return log.ToString(); }

    private static async Task<(int Code, string Output)> KubectlAsync(string kubeconfig, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(kubeconfig);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, ((await stdout) + (await stderr)).Trim());
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private static void Signal(int pid, int sig) => _ = kill(pid, sig);
}
