using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>
/// One open read connection with its prepared statements. SQLite parsing and planning a statement costs more than
/// running the small queries the API server sends, and Microsoft.Data.Sqlite prepares a command again for every new
/// <see cref="SqliteCommand"/>; keeping the commands per connection prepares each statement once per session.
/// </summary>
internal sealed class ReadSession(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private bool _inTransaction;

    public static ReadSession Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            return new ReadSession(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The prepared command for <paramref name="sql"/>; parameters keep their names, callers set every value.</summary>
    public SqliteCommand Command(string sql)
    {
        if (_commands.TryGetValue(sql, out var command))
            return command;
        command = connection.CreateCommand();
        command.CommandText = sql;
        // Without an explicit Prepare, Microsoft.Data.Sqlite parses and plans the SQL again on every execution.
        command.Prepare();
        _commands[sql] = command;
        return command;
    }

    /// <summary>Starts a read snapshot (BEGIN DEFERRED takes it at the first read); <see cref="EndSnapshot"/> releases it.</summary>
    public void BeginSnapshot()
    {
        Command("BEGIN DEFERRED").ExecuteNonQuery();
        _inTransaction = true;
    }

    public void EndSnapshot()
    {
        if (!_inTransaction)
            return;
        _inTransaction = false;
        Command("ROLLBACK").ExecuteNonQuery();
    }

    public static void Set(SqliteCommand command, string name, object value)
    {
        var parameters = command.Parameters;
        if (parameters.Contains(name))
            parameters[name].Value = value;
        else
            parameters.AddWithValue(name, value);
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
            command.Dispose();
        _commands.Clear();
        connection.Dispose();
    }
}
