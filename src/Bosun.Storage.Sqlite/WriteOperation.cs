using System.Diagnostics;

namespace Bosun.Storage.Sqlite;

/// <summary>One caller's request waiting in the writer queue, and the task that tells the caller how it went.</summary>
internal sealed class WriteOperation(WriteKind kind, string key, byte[]? value, long expectedModRevision, CancellationToken ct)
{
    private readonly TaskCompletionSource<WriteResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static WriteOperation Compaction(long revision) => new(WriteKind.Compact, "", null, revision, CancellationToken.None);

    public WriteKind Kind { get; } = kind;
    public string Key { get; } = key;
    public byte[]? Value { get; } = value;

    /// <summary>For updates and deletes: the mod revision the key must have (0 = any, deletes only). For compaction: the target revision.</summary>
    public long ExpectedModRevision { get; } = expectedModRevision;

    /// <summary>Compaction only: every revision at or below this one has been examined; lets compaction resume after yielding to writes.</summary>
    public long Cursor { get; set; }

    public CancellationToken CancellationToken { get; } = ct;

    /// <summary>Stopwatch timestamps for the writer's diagnostics: queued, and answered.</summary>
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();
    public long CompletedAt { get; private set; }

    public Task<WriteResult> Task => _completion.Task;

    public void Complete(WriteResult result)
    {
        CompletedAt = Stopwatch.GetTimestamp();
        _completion.TrySetResult(result);
    }
    public void Fail(Exception error) => _completion.TrySetException(error);
    public void Cancel() => _completion.TrySetCanceled(CancellationToken);
}
