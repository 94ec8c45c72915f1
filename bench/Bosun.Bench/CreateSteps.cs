using System.Diagnostics;
using System.Text.Json.Nodes;
using Bosun.ApiServer;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.Bench;

/// <summary>
/// Times the steps of one ConfigMap create one after another on one thread (interleaved per iteration, so outside
/// load skews them alike): where the registry's CPU per create goes. Printed by the <c>registry</c> benchmark.
/// </summary>
internal static class CreateSteps
{
    public static async Task PrintAsync(GenericStore store, IKeyValueStore storage, IKeyValueStore bare, int iterations)
    {
        var reg = store.Registration;
        var names = new[] { "parse body", "unknown fields", "fill+default", "managedFields", "validate", "encode for storage", "quota admission", "storage get", "answer bytes", "bare sqlite range", "bare sqlite get" };
        var ticks = new long[names.Length];
        bytes = new long[names.Length];
        lastAllocated = GC.GetAllocatedBytesForCurrentThread();
        var rangeTimes = new long[iterations];
        var body = ApiClient.ConfigMap("steps");
        for (var i = 0; i < iterations; i++)
        {
            var t = Stopwatch.GetTimestamp();
            var obj = RequestBody.ParseJsonObject(body);
            t = Lap(ticks, 0, t);
            _ = Bosun.ApiServer.OpenApi.UnknownFields.Find(obj, reg.ModelType);
            t = Lap(ticks, 1, t);
            SystemFields.FillOnCreate(obj, reg, "default", DateTimeOffset.UtcNow);
            reg.Strategy.Default(obj);
            reg.Strategy.PrepareForCreate(obj);
            t = Lap(ticks, 2, t);
            Bosun.ApiServer.Patch.ManagedFields.RecordUpdate(new JsonObject(), obj, "bosun-bench", reg, null, DateTimeOffset.UtcNow);
            t = Lap(ticks, 3, t);
            _ = MetadataValidation.Validate(obj, reg).Concat(reg.Strategy.Validate(obj)).ToList();
            t = Lap(ticks, 4, t);
            var bytes = ObjectCodec.Encode(reg, obj);
            t = Lap(ticks, 5, t);
            _ = await storage.RangeAsync(new RangeRequest("/registry/resourcequotas/default/"), CancellationToken.None);
            t = Lap(ticks, 6, t);
            _ = await storage.GetAsync("/registry/namespaces/default", CancellationToken.None);
            t = Lap(ticks, 7, t);
            obj.Obj("metadata")!["resourceVersion"] = "12345";
            _ = Json.ToBytes(obj);
            t = Lap(ticks, 8, t);
            _ = await bare.RangeAsync(new RangeRequest("/registry/resourcequotas/default/"), CancellationToken.None);
            rangeTimes[i] = Stopwatch.GetTimestamp() - t;
            t = Lap(ticks, 9, t);
            _ = await bare.GetAsync("/registry/namespaces/default", CancellationToken.None);
            Lap(ticks, 10, t);
            _ = bytes;
        }
        Console.WriteLine($"  create steps, one thread, mean of {iterations:N0} (wall µs, includes waiting for a CPU):");
        var sorted = rangeTimes.Select(Stats.Ms).Order().ToArray();
        Console.WriteLine($"    bare range: p50 {sorted[sorted.Length / 2] * 1000:0.0} µs, p99 {Stats.Percentile(sorted, 0.99) * 1000:0.0} µs, max {sorted[^1]:0.0} ms, {sorted.Count(v => v > 50)} over 50 ms");
        for (var s = 0; s < names.Length; s++)
            Console.WriteLine($"    {names[s],-30} {ticks[s] * 1e6 / Stopwatch.Frequency / iterations,8:0.0} µs {bytes[s] / (double)iterations,8:0} B allocated (this thread)");
    }

    private static long Lap(long[] ticks, int step, long since)
    {
        var now = Stopwatch.GetTimestamp();
        ticks[step] += now - since;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        bytes![step] += allocated - lastAllocated;
        lastAllocated = allocated;
        return now;
    }

    // Per-step allocation counters of the (single-threaded) PrintAsync run; async steps that hop threads undercount.
    private static long[]? bytes;
    private static long lastAllocated;
}
