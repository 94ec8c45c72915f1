using System.Diagnostics;
using Bosun.Scheduler.Cache;
using Bosun.Scheduler.Framework;
using k8s.Models;

namespace Bosun.Bench;

/// <summary>
/// The scheduling cycle alone, in process: 10,000 pending pods onto 100, 1,000 and 5,000 synthetic nodes with the
/// default profile — PodInfo, filter, score, select, assume — no API server, no binding. Reports the median pods/s
/// over the runs after a warm-up (upstream's scheduler_perf SchedulingBasic floor at 5,000 nodes is 680 pods/s).
/// </summary>
internal static class SchedulerBenchmark
{
    private const int Pods = 10_000;
    private const int Runs = 3;

    public static Task RunAsync(TimeSpan perRun)
    {
        Console.WriteLine($"scheduler: {Pods} pods, default profile, {Runs} runs each, median pods/s");
        foreach (var scenario in (string[])["basic", "spread"])
        {
            foreach (var nodes in (int[])[100, 1000, 5000])
            {
                var rates = new List<double>();
                long evaluated = 0;
                if (nodes == 100) RunOnce(nodes, scenario);   // warm-up: JIT and tiered compilation
                for (var run = 0; run < Runs; run++)
                {
                    var (rate, perPod) = RunOnce(nodes, scenario);
                    rates.Add(rate);
                    evaluated = perPod;
                }
                rates.Sort();
                Console.WriteLine($"  {scenario,-7} {nodes,5} nodes: {rates[Runs / 2],9:N0} pods/s  (runs: {string.Join(", ", rates.Select(r => r.ToString("N0")))}; ~{evaluated} nodes filtered per pod)");
            }
        }
        return Task.CompletedTask;
    }

    private static (double PodsPerSecond, long NodesPerPod) RunOnce(int nodeCount, string scenario)
    {
        var cache = new SchedulerCache();
        for (var i = 0; i < nodeCount; i++) cache.AddOrUpdateNode(Node(i));
        var pods = Enumerable.Range(0, Pods).Select(i => Pod(i, scenario)).ToArray();
        var algorithm = new SchedulingAlgorithm(SchedulerProfile.Default(), random: new Random(42));
        GC.Collect();

        var watch = Stopwatch.StartNew();
        long evaluated = 0;
        var failed = 0;
        foreach (var pod in pods)
        {
            var info = new PodInfo(pod);
            var result = cache.Run(n => algorithm.Schedule(info, n));
            evaluated += result.EvaluatedNodes;
            if (result.Succeeded) cache.AssumePod(info, result.SuggestedHost!);
            else failed++;
        }
        watch.Stop();
        if (failed > 0) Console.WriteLine($"    ({failed} pods did not fit)");
        return (Pods / watch.Elapsed.TotalSeconds, evaluated / Pods);
    }

    private static V1Node Node(int i)
    {
        var allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("16Gi"), ["pods"] = new("110") };
        return new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"node-{i}",
                Labels = new Dictionary<string, string>
                {
                    ["kubernetes.io/hostname"] = $"node-{i}",
                    ["topology.kubernetes.io/zone"] = $"zone-{i % 3}",
                    ["type"] = "simulated",
                },
            },
            Spec = new V1NodeSpec(),
            Status = new V1NodeStatus { Allocatable = allocatable, Capacity = allocatable },
        };
    }

    /// <summary>basic: requests only. spread: also a zone spread constraint and a preferred node affinity, per app of 100 pods.</summary>
    private static V1Pod Pod(int i, string scenario)
    {
        var labels = new Dictionary<string, string> { ["app"] = $"app-{i / 100}" };
        var spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Image = "pause",
                    Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("32Mi") } },
                },
            ],
        };
        if (scenario == "spread")
        {
            spec.TopologySpreadConstraints =
            [
                new V1TopologySpreadConstraint
                {
                    MaxSkew = 1,
                    TopologyKey = "topology.kubernetes.io/zone",
                    WhenUnsatisfiable = "DoNotSchedule",
                    LabelSelector = new V1LabelSelector { MatchLabels = labels },
                },
            ];
            spec.Affinity = new V1Affinity
            {
                NodeAffinity = new V1NodeAffinity
                {
                    PreferredDuringSchedulingIgnoredDuringExecution =
                    [
                        new V1PreferredSchedulingTerm
                        {
                            Weight = 10,
                            Preference = new V1NodeSelectorTerm
                            {
                                MatchExpressions = [new V1NodeSelectorRequirement { Key = "type", OperatorProperty = "In", Values = ["simulated"] }],
                            },
                        },
                    ],
                },
            };
        }
        return new V1Pod { Metadata = new V1ObjectMeta { Name = $"pod-{i}", NamespaceProperty = "bench", Labels = labels }, Spec = spec };
    }
}
