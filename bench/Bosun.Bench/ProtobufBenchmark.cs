using System.Diagnostics;
using Bosun.ApiServer.Protobuf;

namespace Bosun.Bench;

/// <summary>
/// Times <see cref="ProtobufDecoder.Decode"/> on the body kubectl 1.32 sends for <c>create deployment</c>
/// (testdata/protobuf/deployment.pb) and a few other captured kinds; the target is a Deployment median of at most 50 µs.
/// </summary>
internal static class ProtobufBenchmark
{
    private const int Batch = 200;

    public static Task RunAsync(TimeSpan duration)
    {
        var dir = FindTestData();
        foreach (var name in new[] { "deployment", "service", "job", "ingress", "quota" })
        {
            var body = File.ReadAllBytes(Path.Combine(dir, name + ".pb"));
            for (var i = 0; i < 20_000; i++) ProtobufDecoder.Decode(body); // warm up (tiered JIT)
            var perDecode = new List<double>();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var decodes = 0L;
            var total = Stopwatch.StartNew();
            while (total.Elapsed < duration)
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < Batch; i++) ProtobufDecoder.Decode(body);
                perDecode.Add(clock.Elapsed.TotalMicroseconds / Batch);
                decodes += Batch;
            }
            var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)decodes;
            perDecode.Sort();
            Console.WriteLine($"protobuf decode {name,-11} {body.Length,5} B   median {perDecode[perDecode.Count / 2],7:F2} µs   " +
                $"p90 {perDecode[(int)(perDecode.Count * 0.9)],7:F2} µs   {bytes,8:F0} B allocated/decode   ({decodes} decodes)");
        }
        return Task.CompletedTask;
    }

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
