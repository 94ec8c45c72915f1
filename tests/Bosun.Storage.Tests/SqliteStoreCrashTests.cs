using System.Diagnostics;
using Bosun.Storage.Sqlite;

namespace Bosun.Storage.Tests;

/// <summary>
/// Kills a process that is writing to a SQLite store with SIGKILL, then checks that every write it acknowledged
/// survived: WAL with synchronous=NORMAL hands each commit to the OS before the caller hears back.
/// </summary>
public sealed class SqliteStoreCrashTests : IDisposable
{
    private const int MinimumAcknowledged = 200;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SqliteStore_WriterKilledWithSigkill_KeepsEveryAcknowledgedWrite()
    {
        var path = _directory.File("crash.db");

        var acknowledged = await RunAndKillWriterAsync(path);

        Assert.True(acknowledged.Count >= MinimumAcknowledged, $"only {acknowledged.Count} writes were acknowledged");
        await using var store = await SqliteStore.OpenAsync(path);
        foreach (var (key, revision) in acknowledged)
        {
            var kv = await store.GetAsync(key, CancellationToken.None);
            Assert.True(kv is not null, $"acknowledged key {key} (revision {revision}) was lost");
            Assert.Equal(revision, kv.ModRevision);
        }
        var current = await store.CurrentRevisionAsync(CancellationToken.None);
        Assert.True(current >= acknowledged.Values.Max());
        Assert.Equal(current + 1, await store.CreateAsync("/after-crash", new byte[] { 1 }, CancellationToken.None));
    }

    /// <summary>Runs the crash writer until it has acknowledged enough writes (and at least a second has passed), then SIGKILLs it.</summary>
    private static async Task<Dictionary<string, long>> RunAndKillWriterAsync(string path)
    {
        using var process = Process.Start(new ProcessStartInfo(DotnetHost(), [CrashWriterDll(), path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var acknowledged = new Dictionary<string, long>();
        var started = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (acknowledged.Count < MinimumAcknowledged || started.Elapsed < TimeSpan.FromSeconds(1))
            {
                var line = await process.StandardOutput.ReadLineAsync(deadline.Token);
                if (line is null)
                    Assert.Fail($"crash writer exited early: {await process.StandardError.ReadToEndAsync()}");
                AddIfComplete(acknowledged, line);
            }
        }
        finally
        {
            process.Kill();
        }
        await process.WaitForExitAsync();
        return acknowledged;
    }

    /// <summary>Only whole lines ending in "ok" count: a line cut short by the kill was never fully acknowledged to us.</summary>
    private static void AddIfComplete(Dictionary<string, long> acknowledged, string line)
    {
        var parts = line.Split(' ');
        if (parts is [var revision, var key, "ok"])
            acknowledged[key] = long.Parse(revision);
    }

    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>The crash writer is built beside this project (same configuration and framework) through a build-only project reference.</summary>
    private static string CrashWriterDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var tests = output.Parent.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(tests, "Bosun.Storage.CrashWriter", "bin", configuration, framework, "Bosun.Storage.CrashWriter.dll");
        Assert.True(File.Exists(dll), $"crash writer not built at {dll}");
        return dll;
    }
}
