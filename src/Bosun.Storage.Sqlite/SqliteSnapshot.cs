using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>
/// Online, consistent copies of a store's database: <c>VACUUM INTO</c> reads one snapshot of the WAL database
/// beside a running writer (it only takes a read transaction) and writes a compact, self-contained file with
/// every row id, hence every revision, unchanged.
/// </summary>
public static class SqliteSnapshot
{
    /// <summary>Copies the database at <paramref name="databasePath"/> to <paramref name="file"/> (which must not exist).</summary>
    public static async Task SaveAsync(string databasePath, string file, CancellationToken ct)
    {
        if (!File.Exists(databasePath))
            throw new FileNotFoundException($"no SQLite datastore at {databasePath}", databasePath);
        if (File.Exists(file))
            throw new IOException($"{file} already exists");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 10000; VACUUM INTO $file";
        command.Parameters.AddWithValue("$file", Path.GetFullPath(file));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Puts a saved snapshot in place as the database at <paramref name="databasePath"/>, which must not exist yet
    /// (restores go into a new data dir; the server opens the file as it would its own).
    /// </summary>
    public static async Task RestoreAsync(string file, string databasePath, CancellationToken ct)
    {
        if (!IsSqliteFile(file))
            throw new InvalidDataException($"{file} is not a SQLite snapshot");
        if (File.Exists(databasePath))
            throw new IOException($"{databasePath} already exists: restore into a new data dir");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        var temp = databasePath + ".restoring";
        File.Copy(file, temp, overwrite: true);
        // Opening checks the copy is a usable store before it takes the real name.
        await using (var store = await SqliteStore.OpenAsync(temp, null, ct))
            await store.CurrentRevisionAsync(ct);
        SqliteConnection.ClearAllPools();
        File.Move(temp, databasePath);
        foreach (var suffix in new[] { "-wal", "-shm" })
        {
            if (File.Exists(temp + suffix))
                File.Delete(temp + suffix);
        }
    }

    /// <summary>SQLite files start with "SQLite format 3\0".</summary>
    public static bool IsSqliteFile(string file)
    {
        Span<byte> header = stackalloc byte[16];
        using var stream = File.OpenRead(file);
        return stream.Read(header) == 16 && header.SequenceEqual("SQLite format 3\0"u8);
    }
}
