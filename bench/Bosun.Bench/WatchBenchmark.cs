namespace Bosun.Bench;
internal static class WatchBenchmark { public static Task<List<SummaryRow>> RunAsync(TimeSpan d) => Task.FromResult(new List<SummaryRow>()); }
