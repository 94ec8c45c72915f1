using Bosun.Bench;

// Usage: Bosun.Bench <benchmark> [seconds per run]
var benchmarks = new Dictionary<string, Func<TimeSpan, Task>>(StringComparer.OrdinalIgnoreCase)
{
    ["sqlite"] = SqliteBenchmark.RunAsync,
    ["scheduler"] = SchedulerBenchmark.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Bosun.Bench <{string.Join('|', benchmarks.Keys)}> [seconds per run, default 3]");
    return 2;
}
var seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
await run(TimeSpan.FromSeconds(seconds));
return 0;
