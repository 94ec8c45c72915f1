using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Bosun.Testing;
using k8s.Models;
using static Bosun.Containers.Tests.AgentPods.TestPods;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>
/// <c>bosun agent</c> as its own process joining an API server with a K10 token (CA pinned by hash and file), on the
/// private containerd: registers and runs 50 pods. Its memory, idle CPU and pod start latency are measured by
/// <c>bench/run agent-footprint</c> and <c>bench/run pod-start</c>, not here.
/// </summary>
[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class AgentProcessTests(AgentCluster fixture)
{
    [Fact]
    public async Task BosunAgent_JoinsWithK10Token_Runs50PodsToReady()
    {
        var clusterDir = Path.GetDirectoryName(fixture.Cluster.KubeconfigPath)!;
        var server = File.ReadAllLines(fixture.Cluster.KubeconfigPath).Select(l => l.Trim()).First(l => l.StartsWith("server:", StringComparison.Ordinal))["server:".Length..].Trim().Trim('"');
        var token = File.ReadAllText(Path.Combine(clusterDir, "server", "token")).Split(',')[0];
        var caFile = Path.Combine(clusterDir, "server", "tls", "ca.crt");
        var hash = Convert.ToHexStringLower(SHA256.HashData(X509CertificateLoader.LoadCertificateFromFile(caFile).RawData));
        var dataDir = Path.Combine(Path.GetTempPath(), "bosun-ag-" + Guid.NewGuid().ToString("N")[..8]);
        var node = "proc-" + Guid.NewGuid().ToString("N")[..6];
        var api = fixture.Cluster.Api;

        // A token whose hash does not match the CA is refused before anything starts.
        var refused = await RunToExitAsync("agent", "--server", server, "--token", $"K10{new string('0', 64)}::{token}", "--server-ca", caFile, "--data-dir", dataDir, "--container-runtime-endpoint", fixture.Containerd.Socket);
        Assert.Equal(2, refused.Code);
        Assert.Contains("does not match the CA hash", refused.Output);

        var psi = BosunExecutable.StartInfo("agent", "--server", server, "--token", $"K10{hash}::{token}", "--server-ca", caFile,
            "--data-dir", dataDir, "--container-runtime-endpoint", fixture.Containerd.Socket, "--node-name", node, "--node-ip", "127.0.0.1", "--disable-kube-proxy", "--disable-cluster-dns",
            "--cgroup-root", $"/bosun-test-{fixture.Containerd.Id}");
        var log = new StringBuilder();
        using var agent = Process.Start(psi)!;
        agent.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        agent.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        var names = Enumerable.Range(0, 50).Select(i => $"rss-{i}-{Guid.NewGuid().ToString("N")[..4]}").ToList();
        try
        {
            await TestCluster.EventuallyAsync(async () => !agent.HasExited
                && (await api.TryGetAsync<V1Node>(null, node, CancellationToken.None))?.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
                TimeSpan.FromSeconds(60), "agent node Ready");
            foreach (var name in names) await CreateAsync(api, Pod(name, node, "Always", Busybox("app", "sleep 3600")));
            await TestCluster.EventuallyAsync(async () =>
            {
                var pods = await api.ListAsync<V1PodList>(typeof(V1Pod), "default", new Bosun.Client.ListQuery(FieldSelector: "spec.nodeName=" + node), CancellationToken.None);
                return pods.Items.Count(IsReady) == names.Count;
            }, TimeSpan.FromSeconds(240), "50 pods Ready");
            Assert.False(agent.HasExited, Log(log));
        }
        finally
        {
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (n, _) =>
            {
                try { await DeleteAndWaitAsync(api, n, TimeSpan.FromSeconds(180)); } catch (TimeoutException) { }
            });
            if (!agent.HasExited)
            {
                _ = kill(agent.Id, 15);
                if (!agent.WaitForExit(30_000)) agent.Kill();
            }
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task BosunAgent_JoinsWithBootstrapToken_GetsItsNodeCertificateAndRunsAPod()
    {
        var clusterDir = Path.GetDirectoryName(fixture.Cluster.KubeconfigPath)!;
        var server = File.ReadAllLines(fixture.Cluster.KubeconfigPath).Select(l => l.Trim()).First(l => l.StartsWith("server:", StringComparison.Ordinal))["server:".Length..].Trim().Trim('"');
        var hash = Convert.ToHexStringLower(SHA256.HashData(X509CertificateLoader.LoadCertificateFromFile(Path.Combine(clusterDir, "server", "tls", "ca.crt")).RawData));
        var api = fixture.Cluster.Api;
        // A bootstrap token as `bosun token create` makes it: only good for filing the node's certificate request.
        var id = RandomToken(6);
        var secret = RandomToken(16);
        await api.CreateAsync("kube-system", new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "bootstrap-token-" + id },
            Type = "bootstrap.kubernetes.io/token",
            StringData = new Dictionary<string, string>
            {
                ["token-id"] = id, ["token-secret"] = secret,
                ["usage-bootstrap-authentication"] = "true", ["usage-bootstrap-signing"] = "true",
            },
        }, CancellationToken.None);
        var dataDir = Path.Combine(Path.GetTempPath(), "bosun-bt-" + Guid.NewGuid().ToString("N")[..8]);
        var node = "join-" + Guid.NewGuid().ToString("N")[..6];
        var psi = BosunExecutable.StartInfo("agent", "--server", server, "--token", $"K10{hash}::{id}.{secret}",
            "--data-dir", dataDir, "--container-runtime-endpoint", fixture.Containerd.Socket, "--node-name", node, "--node-ip", "127.0.0.1",
            "--disable-kube-proxy", "--disable-cluster-dns", "--kubelet-port", FreePort().ToString(), "--cgroup-root", $"/bosun-test-{fixture.Containerd.Id}");
        var log = new StringBuilder();
        using var agent = Process.Start(psi)!;
        agent.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        agent.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        var pod = "joined-" + Guid.NewGuid().ToString("N")[..4];
        try
        {
            await TestCluster.EventuallyAsync(async () => !agent.HasExited
                && (await api.TryGetAsync<V1Node>(null, node, CancellationToken.None))?.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
                TimeSpan.FromSeconds(60), "the joined node Ready\n" + Log(log));
            var kubeconfig = File.ReadAllText(Path.Combine(dataDir, "agent", "kubelet.kubeconfig"));
            Assert.Contains("client-certificate", kubeconfig);
            Assert.DoesNotContain(secret, kubeconfig);
            await CreateAsync(api, Pod(pod, node, "Always", Busybox("app", "sleep 3600")));
            await TestCluster.EventuallyAsync(async () => (await api.TryGetAsync<V1Pod>("default", pod, CancellationToken.None)) is { } p && IsReady(p),
                TimeSpan.FromSeconds(90), "the pod on the joined node Ready\n" + Log(log));
        }
        finally
        {
            try { await DeleteAndWaitAsync(api, pod, TimeSpan.FromSeconds(60)); } catch (TimeoutException) { }
            if (!agent.HasExited)
            {
                _ = kill(agent.Id, 15);
                if (!agent.WaitForExit(30_000)) agent.Kill();
            }
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RandomToken(int length) =>
        string.Concat(RandomNumberGenerator.GetItems("abcdefghijklmnopqrstuvwxyz0123456789".AsSpan(), length));

    private static string Log(StringBuilder log) { lock (log) return log.ToString(); }

    private static async Task<(int Code, string Output)> RunToExitAsync(params string[] args)
    {
        using var p = Process.Start(BosunExecutable.StartInfo(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, (await stdout) + (await stderr));
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
