using System.Text;
using Bosun.Client;
using Bosun.Scheduler.Cache;
using Bosun.Scheduler.Framework;
using k8s.Models;

namespace Bosun.Scheduler.Tests.Framework;

/// <summary>
/// Golden scenarios in <c>testdata/scheduler/*.txt</c>: commands (<c>node</c>, <c>pod</c>, <c>schedule</c>,
/// <c>cordon</c>, <c>delete</c>) each followed by the trace they produce (lines starting with <c>&gt; </c>).
/// <c>BOSUN_UPDATE_GOLDEN=1</c> rewrites the traces; review the diff before committing it.
/// </summary>
public sealed class GoldenScenarioTests
{
    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Folder(), "*.txt").Order()) data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Scenario_Replayed_MatchesGoldenTrace(string file)
    {
        var path = Path.Combine(Folder(), file);
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");

        var actual = Replay(expected);

        if (Environment.GetEnvironmentVariable("BOSUN_UPDATE_GOLDEN") == "1") File.WriteAllText(path, actual);
        else Assert.Equal(expected, actual);
    }

    private static string Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "testdata", "scheduler");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("testdata/scheduler not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs the commands of a scenario and returns the scenario text with fresh traces.</summary>
    private static string Replay(string scenario)
    {
        var cache = new SchedulerCache();
        var algorithm = new SchedulingAlgorithm(SchedulerProfile.Default(), random: new Random(1));
        var pods = new Dictionary<string, V1Pod>();
        var nodes = new Dictionary<string, V1Node>();
        var output = new StringBuilder();
        foreach (var line in scenario.Split('\n'))
        {
            if (line.StartsWith("> ", StringComparison.Ordinal)) continue;
            output.Append(line).Append('\n');
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || line.StartsWith('#')) continue;
            var (command, name) = (words[0], words[1]);
            var args = words.Skip(2).Select(w => w.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
            switch (command)
            {
                case "node":
                    nodes[name] = Node(name, args);
                    cache.AddOrUpdateNode(nodes[name]);
                    break;
                case "cordon":
                    nodes[name].Spec.Unschedulable = true;
                    cache.AddOrUpdateNode(nodes[name]);
                    break;
                case "pod":
                    pods[name] = Pod(name, args);
                    break;
                case "delete":
                    cache.RemovePod(new ObjectKey("default", name));
                    break;
                case "schedule":
                    var info = new PodInfo(pods[name]);
                    var result = cache.Run(s => algorithm.Schedule(info, s));
                    if (result.Succeeded) cache.AssumePod(info, result.SuggestedHost!);
                    output.Append("> ").Append(result.Succeeded ? result.SuggestedHost : result.Error!.Message).Append('\n');
                    break;
                default:
                    throw new InvalidDataException($"unknown command: {line}");
            }
        }
        return output.ToString().TrimEnd('\n') + "\n";
    }

    private static Dictionary<string, string> Map(string? text) =>
        string.IsNullOrEmpty(text) ? [] : text.Split(',').Select(p => p.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

    /// <summary><c>node n1 cpu=4 memory=8Gi pods=110 labels=zone=a,disk=ssd taints=k=v:NoSchedule</c></summary>
    private static V1Node Node(string name, Dictionary<string, string> a)
    {
        var labels = Map(a.GetValueOrDefault("labels"));
        labels["kubernetes.io/hostname"] = name;
        var taints = a.TryGetValue("taints", out var t)
            ? t.Split(',').Select(x => x.Split(':')).Select(x => x[0].Split('=', 2) is var kv ? Build.Taint(kv[0], kv.Length > 1 ? kv[1] : "", x[1]) : null!).ToList()
            : null;
        return Build.Node(name, a.GetValueOrDefault("cpu", "4"), a.GetValueOrDefault("memory", "8Gi"), int.Parse(a.GetValueOrDefault("pods", "110")),
            labels, taints, a.ContainsKey("unschedulable"));
    }

    /// <summary>
    /// <c>pod p cpu=1 memory=1Gi labels=app=web selector=disk=ssd tolerate=k:NoSchedule priority=10
    /// anti=kubernetes.io/hostname:app=web affinity=zone:app=db spread=zone:1:app=web</c>
    /// </summary>
    private static V1Pod Pod(string name, Dictionary<string, string> a)
    {
        var selector = a.ContainsKey("selector") ? Map(a["selector"]) : null;
        var tolerations = a.TryGetValue("tolerate", out var tol)
            ? tol.Split(',').Select(x => x.Split(':')).Select(x => Build.Toleration(x[0], "Exists", null, x[1])).ToList()
            : null;
        var pod = Build.Pod(name, a.GetValueOrDefault("cpu"), a.GetValueOrDefault("memory"), labels: Map(a.GetValueOrDefault("labels")),
            nodeSelector: selector, tolerations: tolerations, priority: a.TryGetValue("priority", out var p) ? int.Parse(p) : null);
        V1PodAffinityTerm Term(string spec) => spec.Split(':', 2) is var parts
            ? Build.Term(parts[0], Map(parts[1]).SelectMany(kv => new[] { kv.Key, kv.Value }).ToArray()) : null!;
        if (a.TryGetValue("anti", out var anti) || a.TryGetValue("affinity", out _))
        {
            pod.Spec.Affinity = new V1Affinity
            {
                PodAntiAffinity = anti is null ? null : new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term(anti)] },
                PodAffinity = a.TryGetValue("affinity", out var aff) ? new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term(aff)] } : null,
            };
        }
        if (a.TryGetValue("spread", out var spread) && spread.Split(':', 3) is [var key, var skew, var match])
        {
            pod.Spec.TopologySpreadConstraints =
            [
                new V1TopologySpreadConstraint
                {
                    TopologyKey = key, MaxSkew = int.Parse(skew), WhenUnsatisfiable = "DoNotSchedule",
                    LabelSelector = new V1LabelSelector { MatchLabels = Map(match) },
                },
            ];
        }
        return pod;
    }
}
