using System.Diagnostics;
using Bosun.Testing.Containers;
using k8s.Models;
using KubeApi = Bosun.Client.ApiClient;

namespace Bosun.Bench;

/// <summary>
/// Issue 5: pod start through Bosun (POST a pod without a node → scheduled → the agent's sandbox, CNI, container →
/// Running and Ready seen on a watch) against the raw CRI start (RunPodSandbox → container RUNNING) on the same
/// containerd, in the same round: 30 pods of each, interleaved one by one so outside load hits both alike, pods left
/// running until the round ends. p50 and p99 ratios per round; medians over the rounds.
/// </summary>
internal static class PodStartBenchmark
{
    private const int Pods = 30;
    private const string Namespace = "default";
    private const string Selector = "bench=pod-start";

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan _)
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("BOSUN_BENCH_ROUNDS"), out var r) ? r : 3;
        await using var cluster = await AgentBenchCluster.StartAsync();
        await using var agent = await cluster.StartAgentAsync("bench-start");
        await WaitForServiceAccountAsync(cluster.Api);
        await using var timeline = await PodTimeline.StartAsync(cluster.Api, Namespace, Selector);
        await RoundAsync(cluster, agent, timeline, -1, 2);   // warm-up: first sandbox, JIT on both sides, page cache
        var results = new List<Round>();
        for (var i = 0; i < rounds; i++)
        {
            var round = await RoundAsync(cluster, agent, timeline, i, Pods);
            results.Add(round);
            Console.WriteLine($"  round {i + 1}: {round}; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            Console.WriteLine($"    steps (p50 per step): {round.Steps}");
        }
        var p50 = Stats.Median(results.Select(x => x.AgentP50));
        var p99 = Stats.Median(results.Select(x => x.AgentP99));
        var ratio50 = Stats.Median(results.Select(x => x.AgentP50 / x.RawP50));
        var ratio99 = Stats.Median(results.Select(x => x.AgentP99 / x.RawP99));
        var raw50 = Stats.Median(results.Select(x => x.RawP50));
        var raw99 = Stats.Median(results.Select(x => x.RawP99));
        var bind50 = Stats.Median(results.Select(x => x.BindP50));
        Console.WriteLine($"pod-start: medians of {rounds} rounds × {Pods} pods: agent p50 {p50:0} / p99 {p99:0} ms, raw CRI p50 {raw50:0} / p99 {raw99:0} ms, ratio p50 {ratio50:0.00} / p99 {ratio99:0.00}");
        Console.WriteLine($"pod-start steps, medians of the rounds' p50s (ms): {Breakdown(results)}");
        return
        [
            new SummaryRow("pod start ÷ raw CRI start, p50", $"{ratio50:0.00} ({p50:0} / {raw50:0} ms)", "≤ 1.25", ratio50 <= 1.25,
                $"create → Ready on a watch, scheduler included (create → bound p50 {bind50:0} ms); median of {rounds} rounds × {Pods} pods interleaved with raw CRI starts"),
            new SummaryRow("pod start ÷ raw CRI start, p99", $"{ratio99:0.00} ({p99:0} / {raw99:0} ms)", "≤ 1.25", ratio99 <= 1.25, "same rounds"),
            new SummaryRow("pod start p99", $"{p99:0} ms", "≤ 2000 ms", p99 <= 2000, "same rounds"),
        ];
    }

    /// <param name="Raw">raw CRI steps, p50 each</param>
    /// <param name="Api">create → bound, bound → the agent's trace (watch to the agent) plus its status patch → seen Ready (watch back)</param>
    /// <param name="Agent">the agent's steps, p50 each (PodStartTrace)</param>
    private sealed record Round(double AgentP50, double AgentP99, double RawP50, double RawP99, double BindP50,
        List<(string Step, double Ms)> Raw, List<(string Step, double Ms)> Api, List<(string Step, double Ms)> Agent)
    {
        public string Steps =>
            $"raw CRI: {PodStartSteps.Format(Raw)} | API: {PodStartSteps.Format(Api)} | agent: {PodStartSteps.Format(Agent)}";

        public override string ToString() =>
            $"agent p50 {AgentP50:0} p99 {AgentP99:0} ms (bound p50 {BindP50:0} ms), raw CRI p50 {RawP50:0} p99 {RawP99:0} ms, ratio p50 {AgentP50 / RawP50:0.00} p99 {AgentP99 / RawP99:0.00}";
    }

    private static string Breakdown(List<Round> rounds)
    {
        static List<(string Step, double Ms)> Merge(IEnumerable<List<(string Step, double Ms)>> perRound) =>
            perRound.SelectMany(r => r).Select(s => s.Step).Distinct()
                .Select(step => (step, Stats.Median(perRound.Select(r => r.FirstOrDefault(s => s.Step == step).Ms)))).ToList();
        return $"raw CRI: {PodStartSteps.Format(Merge(rounds.Select(r => r.Raw)))} | API: {PodStartSteps.Format(Merge(rounds.Select(r => r.Api)))} | agent: {PodStartSteps.Format(Merge(rounds.Select(r => r.Agent)))}";
    }

    private static async Task<Round> RoundAsync(AgentBenchCluster cluster, AgentProcess agentProcess, PodTimeline timeline, int round, int pods)
    {
        var raw = new List<double>();
        var rawSteps = new List<Dictionary<string, double>>();
        var agent = new List<double>();
        var bind = new List<double>();
        var readyAfterBind = new Dictionary<string, double>();
        var sandboxes = new List<string>();
        var names = new List<string>();
        try
        {
            for (var i = 0; i < pods; i++)
            {
                var steps = new Dictionary<string, double>();
                var (took, sandbox) = await CriPodStart.StartOneAsync(cluster.Containerd, $"raw-{round + 1}-{i}", step: (s, t) => steps[s] = t.TotalMilliseconds);
                sandboxes.Add(sandbox);
                rawSteps.Add(steps);
                raw.Add(took.TotalMilliseconds);

                var name = $"start-{round + 1}-{i}";
                names.Add(name);
                var sent = timeline.Now;
                await cluster.Api.CreateAsync(Namespace, Pod(name), CancellationToken.None);
                var ready = await timeline.ReadyAsync(name).WaitAsync(TimeSpan.FromSeconds(60));
                var bound = await timeline.BoundAsync(name);
                bind.Add((bound - sent).TotalMilliseconds);
                agent.Add((ready - sent).TotalMilliseconds);
                readyAfterBind[name] = (ready - bound).TotalMilliseconds;
                if (Stats.Verbose) Console.WriteLine($"    {name}: raw {took.TotalMilliseconds:0} ms, bound {bind[^1]:0} ms, ready {agent[^1]:0} ms");
            }
        }
        finally
        {
            await CriPodStart.RemoveAsync(cluster.Containerd, sandboxes);
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, _) =>
            {
                await cluster.Api.DeleteAsync<V1Pod>(Namespace, name, CancellationToken.None);
                await timeline.GoneAsync(name).WaitAsync(TimeSpan.FromSeconds(120));
            });
        }
        var traced = PodStartSteps.Parse(agentProcess.Output, Namespace).Where(t => readyAfterBind.ContainsKey(t.Key)).ToList();
        if (Stats.Verbose)
            foreach (var (name, (total, steps)) in traced.OrderByDescending(t => t.Value.Total).Take(3))
                Console.WriteLine($"    slowest on the agent: {name} {total:0} ms: {PodStartSteps.Format(steps.Select(kv => (kv.Key, kv.Value)))}; slowest raw CRI pod: {PodStartSteps.Format(PodStartSteps.Medians([rawSteps.MaxBy(r => r.Values.Sum())!]))}");
        List<(string, double)> api =
        [
            ("create→bound", P(bind, 0.5)),
            ("watch-delivery", Stats.Median(traced.Select(t => readyAfterBind[t.Key] - t.Value.Total))),
            ("agent-total", Stats.Median(traced.Select(t => t.Value.Total))),
        ];
        return new Round(P(agent, 0.5), P(agent, 0.99), P(raw, 0.5), P(raw, 0.99), P(bind, 0.5),
            PodStartSteps.Medians(rawSteps), api, PodStartSteps.Medians(traced.Select(t => t.Value.Steps)));
    }

    private static double P(List<double> values, double q) => Stats.Percentile(values.Order().ToArray(), q);

    /// <summary>The admission plugin needs the namespace's default ServiceAccount, made by a controller after start.</summary>
    private static async Task WaitForServiceAccountAsync(KubeApi api)
    {
        var clock = Stopwatch.StartNew();
        while (await api.TryGetAsync<V1ServiceAccount>(Namespace, "default", CancellationToken.None) is null)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("no default ServiceAccount after 60 s");
            await Task.Delay(50);
        }
    }

    /// <summary>A one-container busybox pod, image present, no probes: Ready as soon as its container runs.</summary>
    internal static V1Pod Pod(string name, string? node = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["bench"] = Selector.Split('=')[1] } },
        Spec = new V1PodSpec
        {
            NodeName = node,
            RestartPolicy = "Always",
            TerminationGracePeriodSeconds = 2,
            Containers = [new V1Container { Name = "app", Image = TestImages.Busybox, ImagePullPolicy = "IfNotPresent", Command = ["sleep", "3600"] }],
            SecurityContext = SeccompProfile is { } profile ? new V1PodSecurityContext { SeccompProfile = new V1SeccompProfile { Type = profile } } : null,
            AutomountServiceAccountToken = Environment.GetEnvironmentVariable("BOSUN_BENCH_POD_NO_SA") == "1" ? false : null,
            InitContainers = int.TryParse(Environment.GetEnvironmentVariable("BOSUN_BENCH_POD_INIT"), out var init)
                ? Enumerable.Range(1, init).Select(i => new V1Container { Name = $"init{i}", Image = TestImages.Busybox, ImagePullPolicy = "IfNotPresent", Command = ["true"] }).ToList()
                : null,
        },
    };

    /// <summary>
    /// Diagnostics only, to find what makes the agent's StartContainer slower than the raw one: BOSUN_BENCH_POD_SECCOMP=Unconfined
    /// (the raw pod has no seccomp filter, the agent gives every container RuntimeDefault unless asked otherwise) and
    /// BOSUN_BENCH_POD_NO_SA=1 (automountServiceAccountToken: false, no projected token volume). BOSUN_BENCH_POD_INIT=N adds
    /// N init containers running <c>true</c>, to time how fast the agent goes from one to the next.
    /// </summary>
    private static string? SeccompProfile => Environment.GetEnvironmentVariable("BOSUN_BENCH_POD_SECCOMP") is { Length: > 0 } p ? p : null;
}
