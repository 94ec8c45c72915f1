using Bosun.Storage.Sqlite;

// Writes to a SQLite store as fast as it can until killed, printing "<revision> <key> ok" for each acknowledged
// create. The crash test kills this process with SIGKILL and checks that every printed write survived.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Bosun.Storage.CrashWriter <database path>");
    return 2;
}

await using var store = await SqliteStore.OpenAsync(args[0]);
var value = new byte[256];
var output = Console.Out;
await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
{
    for (var i = 0; ; i++)
    {
        var key = $"/crash/{writer}/{i}";
        var revision = await store.CreateAsync(key, value, CancellationToken.None);
        lock (output)
            output.WriteLine($"{revision} {key} ok");
    }
})));
return 0;
