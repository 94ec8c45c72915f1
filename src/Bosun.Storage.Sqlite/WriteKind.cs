namespace Bosun.Storage.Sqlite;

/// <summary>What a queued <see cref="WriteOperation"/> asks the writer loop to do.</summary>
internal enum WriteKind { Create, Update, Delete, Compact }
