using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Bosun.Client;
using Bosun.SimulatedNodes;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Bench;

/// <summary>
/// <c>cluster</c>: the real <c>bosun server</c> process (scheduler + controllers) with nodes in this process.
/// (1) A 1,000-replica Deployment on 100 <see cref="SimulatedNodes"/>: create → Available, then image patch → rollout
/// complete (kubectl-wire §15.4). (2) Server memory holding 5,000 Node objects and up to 50,000 bound Running pods,
/// both written straight through the API (no simulator: 5,000 heartbeating nodes would measure the simulator).
/// Part of <c>all</c>: 70–80 s wall at load ≈ 10–18 on 2 cores (most of it the pod phase). Knobs: BOSUN_CLUSTER_PODS (default 50000), BOSUN_CLUSTER_POD_BUDGET
/// seconds for the pod phase (default 480), BOSUN_CLUSTER_SKIP_DEPLOY=1 / BOSUN_CLUSTER_SKIP_MEMORY=1,
/// BOSUN_CLUSTER_HOLD=seconds keeps the loaded server up at the end for inspection.
/// </summary>
internal static class ClusterBenchmark
{
    private const int Replicas = 1000;
    private const int DeployNodes = 100;
    private const int MemoryNodes = 5000;
    private const int Concurrency = 32;
    private const string Ns = "default";
    private static readonly TimeSpan RolloutLimit = TimeSpan.FromMinutes(8);

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan _)
    {
        var rows = new List<SummaryRow>();
        if (Environment.GetEnvironmentVariable("BOSUN_CLUSTER_SKIP_DEPLOY") != "1") rows.AddRange(await DeploymentAsync());
        if (Environment.GetEnvironmentVariable("BOSUN_CLUSTER_SKIP_MEMORY") != "1") rows.AddRange(await MemoryAsync());
        return rows;
    }

    // ---------------------------------------------------------------- 1. Deployment on simulated nodes

    private static async Task<List<SummaryRow>> DeploymentAsync()
    {
        await using var server = await ServerProcess.StartAsync([]);
        using var api = Bosun.Client.ApiClient.FromKubeconfig(server.Kubeconfig, "bosun-bench-cluster");
        using var cts = new CancellationTokenSource();
        var sim = new SimulatedNodes.SimulatedNodes(api, new SimulatedNodesOptions { Count = DeployNodes }, NullLoggerFactory.Instance);
        var clock = Stopwatch.StartNew();
        await sim.RegisterAsync(cts.Token);
        var simTask = sim.RunAsync(cts.Token);
        Console.WriteLine($"  {DeployNodes} simulated nodes registered in {clock.Elapsed.TotalSeconds:0.0} s");

        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = Ns },
            Spec = new V1DeploymentSpec
            {
                Replicas = Replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "web", Image = "nginx:1.25",
                                Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") } },
                            },
                        ],
                    },
                },
            },
        };
        clock.Restart();
        var created = await api.CreateAsync(Ns, deployment, cts.Token);
        var (createS, createTrace) = await WaitRolledOutAsync(api, created.Metadata.Generation ?? 1, clock, requireAvailableCondition: true);
        Console.WriteLine($"  create → Available ({Replicas} available): {createS:0.0} s   [{createTrace}]");
        Console.WriteLine("  check: " + await CheckPodsAsync(api, "nginx:1.25"));
        var rssAfterCreate = server.Memory();

        clock.Restart();
        var patched = await api.PatchAsync<V1Deployment>(Ns, "web", "application/strategic-merge-patch+json",
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}""", cts.Token);
        var (updateS, updateTrace) = await WaitRolledOutAsync(api, patched.Metadata.Generation ?? 2, clock, requireAvailableCondition: false);
        Console.WriteLine($"  image patch → rollout complete: {updateS:0.0} s   [{updateTrace}]");
        Console.WriteLine("  check: " + await CheckPodsAsync(api, "nginx:1.26"));
        var mem = server.Memory();
        Console.WriteLine($"  server after rollout: VmRSS {mem.RssMb:0} MB, VmHWM {mem.HwmMb:0} MB, CPU {server.CpuSeconds():0.0} s since start (after create: RSS {rssAfterCreate.RssMb:0} MB)");

        await cts.CancelAsync();
        try { await simTask; } catch (OperationCanceledException) { }
        return
        [
            new("C1. Deployment 1,000 replicas / 100 sim nodes: create → Available", $"{createS:0.0} s", "—", true,
                $"availableReplicas = 1000, Available=True, §15.4 rules; polled every 200 ms; server RSS {rssAfterCreate.RssMb:0} MB after"),
            new("C2. same, image patch → rollout complete (§15.4)", $"{updateS:0.0} s", "—", true,
                $"maxSurge/maxUnavailable 25 %; server RSS {mem.RssMb:0} MB / HWM {mem.HwmMb:0} MB after"),
        ];
    }

    /// <summary>Cross-checks the Deployment status against the pods themselves.</summary>
    private static async Task<string> CheckPodsAsync(Bosun.Client.ApiClient api, string image)
    {
        var list = await api.ListAsync<V1PodList>(typeof(V1Pod), Ns, new ListQuery("app=web"), CancellationToken.None);
        var live = list.Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        var runningReady = live.Count(p => p.Status?.Phase == "Running"
            && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true && !string.IsNullOrEmpty(p.Spec.NodeName));
        var withImage = live.Count(p => p.Spec.Containers[0].Image == image);
        var nodesUsed = live.Select(p => p.Spec.NodeName).Distinct().Count();
        var perNode = live.GroupBy(p => p.Spec.NodeName).Select(g => g.Count()).ToList();
        return $"{list.Items.Count} pods listed, {live.Count} not terminating, {runningReady} Running+Ready+bound, {withImage} with {image}, on {nodesUsed} nodes ({perNode.DefaultIfEmpty().Min()}–{perNode.DefaultIfEmpty().Max()} per node)";
    }

    /// <summary>Polls the Deployment until the kubectl rollout-status rule holds for <paramref name="generation"/>.</summary>
    private static async Task<(double Seconds, string Trace)> WaitRolledOutAsync(Bosun.Client.ApiClient api, long generation, Stopwatch clock, bool requireAvailableCondition)
    {
        var trace = new List<string>();
        var nextTrace = 10.0;
        while (true)
        {
            var d = await api.GetAsync<V1Deployment>(Ns, "web", CancellationToken.None);
            var s = d.Status ?? new V1DeploymentStatus();
            var conditions = s.Conditions ?? [];
            var progressing = conditions.FirstOrDefault(c => c.Type == "Progressing");
            var available = conditions.FirstOrDefault(c => c.Type == "Available");
            var done = (s.ObservedGeneration ?? 0) >= generation && (d.Metadata.Generation ?? 0) <= (s.ObservedGeneration ?? 0)
                && progressing?.Reason != "ProgressDeadlineExceeded"
                && (s.UpdatedReplicas ?? 0) >= Replicas
                && (s.Replicas ?? 0) <= (s.UpdatedReplicas ?? 0)
                && (s.AvailableReplicas ?? 0) >= (s.UpdatedReplicas ?? 0)
                && (!requireAvailableCondition || (s.AvailableReplicas == Replicas && available?.Status == "True"));
            var t = clock.Elapsed.TotalSeconds;
            if (done)
            {
                trace.Add($"{t:0}s done: replicas {s.Replicas} updated {s.UpdatedReplicas} available {s.AvailableReplicas}, Progressing {progressing?.Reason}");
                return (t, string.Join("; ", trace));
            }
            if (t >= nextTrace)
            {
                trace.Add($"{t:0}s: replicas {s.Replicas} updated {s.UpdatedReplicas} ready {s.ReadyReplicas} available {s.AvailableReplicas}");
                if (Stats.Verbose) Console.WriteLine("    " + trace[^1]);
                nextTrace += 10;
            }
            if (clock.Elapsed > RolloutLimit)
                throw new TimeoutException($"rollout not complete after {RolloutLimit}: {string.Join("; ", trace)}");
            await Task.Delay(200);
        }
    }

    // ---------------------------------------------------------------- 2. Memory with 5,000 nodes and many pods

    private static async Task<List<SummaryRow>> MemoryAsync()
    {
        var targetPods = int.Parse(Environment.GetEnvironmentVariable("BOSUN_CLUSTER_PODS") ?? "50000", CultureInfo.InvariantCulture);
        var budget = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("BOSUN_CLUSTER_POD_BUDGET") ?? "480", CultureInfo.InvariantCulture));
        // Nodes never heartbeat here: a long grace period keeps the node lifecycle controller from tainting/evicting.
        await using var server = await ServerProcess.StartAsync(["--node-monitor-grace-period", "86400"]);
        using var api = Bosun.Client.ApiClient.FromKubeconfig(server.Kubeconfig, "bosun-bench-cluster");
        var ct = CancellationToken.None;
        await Task.Delay(3000);
        var idle = server.Memory();
        var idleCpu = server.CpuSeconds();
        Console.WriteLine($"  idle: VmRSS {idle.RssMb:0} MB, VmHWM {idle.HwmMb:0} MB");

        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, MemoryNodes), new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
            async (i, t) => await api.CreateAsync<V1Node>(null, NodeObject(i), t));
        var nodeSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(3000);
        var withNodes = server.Memory();
        var nodesCpu = server.CpuSeconds();
        Console.WriteLine($"  {MemoryNodes} nodes created in {nodeSeconds:0.0} s ({MemoryNodes / nodeSeconds:0}/s): VmRSS {withNodes.RssMb:0} MB, VmHWM {withNodes.HwmMb:0} MB, server CPU {nodesCpu - idleCpu:0.0} s");

        int[] milestones = [.. new[] { 5000, 10000, 20000, 30000, 40000, 50000 }.Where(m => m < targetPods), targetPods];
        var points = new List<(int Pods, double RssMb, double HwmMb, double Seconds, double Cpu)>();
        var createdPods = 0;
        clock.Restart();
        var cpuBefore = server.CpuSeconds();
        foreach (var milestone in milestones)
        {
            if (clock.Elapsed > budget) { Console.WriteLine($"  pod budget {budget.TotalSeconds:0} s used up at {createdPods} pods"); break; }
            var from = createdPods;
            await Parallel.ForEachAsync(Enumerable.Range(from, milestone - from), new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
                async (i, t) =>
                {
                    var (name, node) = ($"p-{i}", $"mem-{i % MemoryNodes}");
                    var pod = await api.CreateAsync(Ns, PodObject(name, node), t);
                    await api.PatchAsync<V1Pod>(Ns, name, "application/merge-patch+json", RunningStatusPatch(i, node, pod.Metadata.Uid), t, subresource: "status");
                });
            createdPods = milestone;
            var seconds = clock.Elapsed.TotalSeconds;
            await Task.Delay(2000);   // let the controllers' informers catch up before sampling
            var m = server.Memory();
            var cpu = server.CpuSeconds() - cpuBefore;
            points.Add((createdPods, m.RssMb, m.HwmMb, seconds, cpu));
            Console.WriteLine($"  {createdPods,6} pods (+{MemoryNodes} nodes) after {seconds,6:0.0} s ({createdPods / seconds:0} pods/s, create + status): VmRSS {m.RssMb,6:0} MB, VmHWM {m.HwmMb,6:0} MB, server CPU {cpu:0.0} s ({cpu * 1e3 / createdPods:0.00} ms/pod)");
        }

        if (double.TryParse(Environment.GetEnvironmentVariable("BOSUN_CLUSTER_HOLD"), CultureInfo.InvariantCulture, out var hold))
        {
            // Keeps the server up for inspection (dotnet-gcdump, /proc/<pid>/smaps), then samples again.
            Console.WriteLine($"  holding server pid {server.Pid} for {hold:0} s");
            await Task.Delay(TimeSpan.FromSeconds(hold));
            var after = server.Memory();
            Console.WriteLine($"  after hold: VmRSS {after.RssMb:0} MB, VmHWM {after.HwmMb:0} MB");
        }

        var last = points[^1];
        var perPodKb = points.Count >= 2
            ? (last.RssMb - points[0].RssMb) * 1024 / (last.Pods - points[0].Pods)
            : (last.RssMb - withNodes.RssMb) * 1024 / last.Pods;
        var perNodeKb = (withNodes.RssMb - idle.RssMb) * 1024 / MemoryNodes;
        var rows = new List<SummaryRow>
        {
            new("M1. `bosun server` RSS, 5,000 nodes, 0 pods", $"{withNodes.RssMb:0} MB", "—", true,
                $"idle {idle.RssMb:0} MB → ≈ {perNodeKb:0.0} KB per Node; VmHWM {withNodes.HwmMb:0} MB; nodes created via API at {MemoryNodes / nodeSeconds:0}/s"),
            new($"M2. `bosun server` RSS, 5,000 nodes, {last.Pods:N0} Running pods", $"{last.RssMb:0} MB", "—", true,
                $"VmHWM {last.HwmMb:0} MB; {string.Join(", ", points.Select(p => $"{p.Pods / 1000}k: {p.RssMb:0}"))} MB; slope ≈ {perPodKb:0.0} KB/pod; {last.Pods / last.Seconds:0} pods/s (create + status patch); server CPU {last.Cpu * 1e3 / last.Pods:0.00} ms/pod"),
        };
        if (last.Pods < 50000)
        {
            var extrapolated = last.RssMb + perPodKb * (50000 - last.Pods) / 1024;
            rows.Add(new("M3. EXTRAPOLATED RSS at 50,000 pods", $"≈ {extrapolated:0} MB", "—", true,
                $"linear from the measured slope {perPodKb:0.0} KB/pod above {last.Pods:N0} pods; not measured"));
        }
        return rows;
    }

    private static V1Node NodeObject(int i)
    {
        var now = DateTime.UtcNow;
        var capacity = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("16Gi"), ["pods"] = new("110"), ["ephemeral-storage"] = new("100Gi") };
        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = $"mem-{i}",
                Labels = new Dictionary<string, string>
                {
                    ["kubernetes.io/hostname"] = $"mem-{i}", ["kubernetes.io/os"] = "linux", ["kubernetes.io/arch"] = "amd64", ["type"] = "simulated",
                },
            },
            Status = new V1NodeStatus
            {
                Capacity = capacity,
                Allocatable = capacity,
                Addresses = [new V1NodeAddress { Address = "10." + (i >> 8) + "." + (i & 0xff) + ".1", Type = "InternalIP" }, new V1NodeAddress { Address = $"mem-{i}", Type = "Hostname" }],
                Conditions =
                [
                    new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status", LastHeartbeatTime = now, LastTransitionTime = now },
                    new V1NodeCondition { Type = "MemoryPressure", Status = "False", Reason = "KubeletHasSufficientMemory", LastHeartbeatTime = now, LastTransitionTime = now },
                    new V1NodeCondition { Type = "DiskPressure", Status = "False", Reason = "KubeletHasNoDiskPressure", LastHeartbeatTime = now, LastTransitionTime = now },
                    new V1NodeCondition { Type = "PIDPressure", Status = "False", Reason = "KubeletHasSufficientPID", LastHeartbeatTime = now, LastTransitionTime = now },
                ],
                NodeInfo = new V1NodeSystemInfo
                {
                    Architecture = "amd64", OperatingSystem = "linux", KubeletVersion = "v1.32.0-bosun-sim", KubeProxyVersion = "", ContainerRuntimeVersion = "sim://1.0.0",
                    BootID = "", KernelVersion = "6.1.0", MachineID = "", OsImage = "simulated", SystemUUID = "",
                },
            },
        };
    }

    private static V1Pod PodObject(string name, string node) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = Ns,
            Labels = new Dictionary<string, string> { ["app"] = "mem", ["pod-template-hash"] = "5d8c7b9f4" },
        },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers =
            [
                new V1Container
                {
                    Name = "app", Image = "nginx:1.25",
                    Ports = [new V1ContainerPort { ContainerPort = 80, Name = "http" }],
                    Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") } },
                },
            ],
        },
    };

    private static string RunningStatusPatch(int i, string node, string uid)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var podIp = $"10.{100 + (i >> 16)}.{(i >> 8) & 0xff}.{i & 0xff}";
        var nodeIndex = int.Parse(node.AsSpan(4), CultureInfo.InvariantCulture);
        var hostIp = "10." + (nodeIndex >> 8) + "." + (nodeIndex & 0xff) + ".1";
        object Cond(string type) => new { type, status = "True", lastTransitionTime = now };
        return JsonSerializer.Serialize(new
        {
            status = new
            {
                phase = "Running",
                hostIP = hostIp,
                podIP = podIp,
                podIPs = new[] { new { ip = podIp } },
                startTime = now,
                conditions = new[] { Cond("PodReadyToStartContainers"), Cond("Initialized"), Cond("ContainersReady"), Cond("Ready"), Cond("PodScheduled") },
                containerStatuses = new[]
                {
                    new
                    {
                        name = "app", ready = true, started = true, restartCount = 0, image = "nginx:1.25",
                        imageID = "docker.io/library/nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
                        containerID = "sim://" + uid,
                        state = new { running = new { startedAt = now } },
                    },
                },
            },
        });
    }

    // ---------------------------------------------------------------- the server process

    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process process;
        private readonly BenchDirectory dataDir;
        private readonly System.Text.StringBuilder output = new();

        private ServerProcess(Process process, BenchDirectory dataDir)
        {
            this.process = process;
            this.dataDir = dataDir;
        }

        public int Pid => process.Id;

        public string Kubeconfig => Path.Combine(dataDir.Path, "admin.kubeconfig");

        public static async Task<ServerProcess> StartAsync(string[] extra)
        {
            var dataDir = new BenchDirectory();
            var port = FreePort();
            var info = BosunExecutable.StartInfo(new[] { "server", "--data-dir", dataDir.Path, "--https-listen-port", port.ToString(CultureInfo.InvariantCulture), "--bind-address", "127.0.0.1", "--disable-agent" }.Concat(extra));
            var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start bosun");
            var server = new ServerProcess(process, dataDir);
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var http = new HttpClient(new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
                UseProxy = false,
            }) { Timeout = TimeSpan.FromSeconds(2) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited) throw new InvalidOperationException($"bosun server exited with {process.ExitCode}:\n{server.Output}");
                if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"bosun server not ready:\n{server.Output}");
                try
                {
                    using var response = await http.GetAsync($"https://127.0.0.1:{port}/readyz");
                    if (response.StatusCode == HttpStatusCode.OK && File.Exists(server.Kubeconfig)) break;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                await Task.Delay(50);
            }
            Console.WriteLine($"  bosun server pid {process.Id} ready in {clock.Elapsed.TotalSeconds:0.0} s");
            return server;
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (output)
            {
                if (output.Length < 200_000) output.AppendLine(line);
            }
        }

        private string Output { get { lock (output) return output.ToString(); } }

        public (double RssMb, double HwmMb) Memory()
        {
            double rss = 0, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line) / 1024.0;
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kb(line) / 1024.0;
            }
            return (rss, hwm);
            static long Kb(string line) => long.Parse(line[(line.IndexOf(':') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }

        /// <summary>utime + stime of the server process from /proc/pid/stat.</summary>
        public double CpuSeconds()
        {
            var stat = File.ReadAllText($"/proc/{process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill();   // this process only, by its handle
                await process.WaitForExitAsync();
            }
            if (Stats.Verbose) Console.WriteLine(Output.Length > 4000 ? Output[^4000..] : Output);
            process.Dispose();
            dataDir.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
