using System.Diagnostics;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Protobuf;
using Bosun.ApiServer.Tests.Protobuf;

namespace Bosun.Bench;

/// <summary>
/// Times <see cref="ProtobufDecoder.Decode"/> on the body kubectl 1.32 sends for <c>create deployment</c>
/// (testdata/protobuf/deployment.pb), on a rich Deployment (testdata/protobuf/deployment-rich.json encoded: probes, env,
/// volumes, affinity, resources) and on a few other captured kinds; the target is a Deployment median of at most 50 µs.
/// </summary>
internal static class ProtobufBenchmark
{
    private const int Batch = 200;

    public static Task RunAsync(TimeSpan duration)
    {
        var dir = FindTestData();
        var rich = ProtoJsonEncoder.EncodeObject(JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "deployment-rich.json")))!.AsObject());
        var bodies = new[] { "deployment", "service", "job", "ingress", "quota" }
            .Select(name => (Name: name, Body: File.ReadAllBytes(Path.Combine(dir, name + ".pb"))))
            .Prepend(("deployment-rich", rich));
        var richJson = File.ReadAllBytes(Path.Combine(dir, "deployment-rich.json"));
        Measure("JSON parse+walk, deployment-rich (baseline)", richJson.Length, () => Walk(JsonNode.Parse(richJson)), duration);
        foreach (var (name, body) in bodies) Measure("protobuf decode " + name, body.Length, () => ProtobufDecoder.Decode(body), duration);
        return Task.CompletedTask;
    }

    private static void Measure(string name, int size, Func<object> decode, TimeSpan duration)
    {
        {
            for (var i = 0; i < 20_000; i++) decode(); // warm up (tiered JIT)
            var perDecode = new List<double>();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var decodes = 0L;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var total = Stopwatch.StartNew();
            while (total.Elapsed < duration)
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < Batch; i++) decode();
                perDecode.Add(clock.Elapsed.TotalMicroseconds / Batch);
                decodes += Batch;
            }
            var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)decodes;
            // CPU time per decode is less skewed than wall time when other processes share the cores.
            var cpuPerDecode = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / decodes;
            perDecode.Sort();
            Console.WriteLine($"{name,-40} {size,5} B   median {perDecode[perDecode.Count / 2],7:F2} µs   " +
                $"p90 {perDecode[(int)(perDecode.Count * 0.9)],7:F2} µs   cpu {cpuPerDecode,7:F2} µs   {bytes,8:F0} B allocated/decode   ({decodes} decodes)");
        }
    }

    /// <summary>Visits every node, so the lazily built JSON tree is materialised as the decoder's is.</summary>
    private static int Walk(JsonNode? node) => node switch
    {
        JsonObject o => o.Sum(p => 1 + Walk(p.Value)),
        JsonArray a => a.Sum(Walk),
        _ => 1,
    };

    private static string FindTestData()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "testdata", "protobuf");
                if (Directory.Exists(candidate)) return candidate;
            }
        throw new DirectoryNotFoundException("testdata/protobuf not found; run from the repository");
    }
}
