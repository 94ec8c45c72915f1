using System.Text;

namespace Bosun.Agent.Logs;

/// <summary>
/// Turns a container's CRI log file into what <c>kubectl logs</c> prints: messages joined across partial (<c>P</c>) entries,
/// optionally prefixed with the entry's timestamp, filtered by since, the last N lines, and cut at limitBytes. With
/// follow it keeps reading as the file grows and across rotation, woken by <see cref="LogFileChanges"/>, until
/// <c>isRunning</c> says the container exited.
/// </summary>
internal sealed class CriLogReader(TimeProvider time, Func<CancellationToken, Task>? waitForMore = null)
{
    private const int TailBlock = 64 * 1024;

    /// <summary>Checked at least this often while the file keeps changing, so that a chatty container's exit is noticed.</summary>
    private static readonly TimeSpan StateCheckPeriod = TimeSpan.FromSeconds(1);

    public async Task CopyAsync(string path, LogOptions options, Stream output, Func<CancellationToken, Task<bool>> isRunning, CancellationToken ct)
    {
        var budget = new Budget(options.LimitBytes);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true);
        var identity = FirstLine(path);
        if (options.TailLines is { } tail) file.Position = TailOffset(file, tail);
        var state = new LineState();
        var reading = file;
        using var changes = options.Follow && waitForMore is null ? LogFileChanges.Watch(Path.GetDirectoryName(Path.GetFullPath(path))!, time) : null;
        var checkState = true;
        var lastCheck = time.GetTimestamp();
        var rotatedUnread = false;
        while (true)
        {
            await DrainAsync(reading, state, options, output, budget, ct);
            if (budget.Exhausted || !options.Follow) break;
            await output.FlushAsync(ct);
            if (checkState || time.GetElapsedTime(lastCheck) >= StateCheckPeriod)
            {
                lastCheck = time.GetTimestamp();
                if (!await isRunning(ct))
                {
                    await DrainAsync(reading, state, options, output, budget, ct);   // what was written just before the exit
                    break;
                }
            }
            // A wake-up by a change reads on; a quiet period (or a step of a test's script) checks the container too.
            if (!rotatedUnread) checkState = !await WaitAsync(changes, ct);
            var now = FirstLine(path);
            rotatedUnread = identity is not null && now is not null && now != identity && reading.Position < reading.Length;
            if (identity is null) identity = now;   // the file was empty when opened; this is still that file
            else if (now is not null && now != identity && reading.Position >= reading.Length)
            {
                // Rotated: the path is a new file; finish nothing more from the old one and start the new one at its beginning.
                if (!ReferenceEquals(reading, file)) await reading.DisposeAsync();
                reading = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true);
                identity = now;
            }
        }
        if (!ReferenceEquals(reading, file)) await reading.DisposeAsync();
        await output.FlushAsync(ct);
    }

    /// <summary>True when woken by a change; false after a quiet period or a step of the test seam.</summary>
    private async Task<bool> WaitAsync(LogFileChanges? changes, CancellationToken ct)
    {
        if (changes is not null) return await changes.WaitAsync(ct);
        await waitForMore!(ct);
        return false;
    }

    /// <summary>Reads complete lines from the current position; an unfinished last line is left for the next read.</summary>
    private static async Task DrainAsync(FileStream file, LineState state, LogOptions options, Stream output, Budget budget, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        int n;
        while (!budget.Exhausted && (n = await file.ReadAsync(buffer, ct)) > 0)
        {
            state.Pending.Write(buffer, 0, n);
            var bytes = state.Pending.ToArray();
            var start = 0;
            int nl;
            while (!budget.Exhausted && (nl = Array.IndexOf(bytes, (byte)'\n', start)) >= 0)
            {
                var entry = CriLogEntry.Parse(bytes.AsSpan(start, nl - start));
                start = nl + 1;
                if (entry is not null) await WriteAsync(entry, state, options, output, budget, ct);
            }
            state.Pending.SetLength(0);
            state.Pending.Write(bytes, start, bytes.Length - start);
        }
    }

    private static async Task WriteAsync(CriLogEntry e, LineState state, LogOptions options, Stream output, Budget budget, CancellationToken ct)
    {
        if (state.Line.Length == 0) state.LineTime = e;
        state.Line.Write(e.Message);
        if (e.Partial) return;
        var first = state.LineTime!;
        var line = state.Line.ToArray();
        state.Line.SetLength(0);
        if (options.Since is { } since && first.Time < since) return;
        byte[] text = options.Timestamps ? [.. Encoding.ASCII.GetBytes(first.TimeText + " "), .. line, (byte)'\n'] : [.. line, (byte)'\n'];
        await output.WriteAsync(budget.Take(text), ct);
    }

    /// <summary>
    /// Where the last <paramref name="lines"/> complete lines start, reading backwards in blocks: past the (lines+1)-th
    /// full (<c>F</c>) entry from the end, so that the partial entries of the first kept line are kept too.
    /// </summary>
    internal static long TailOffset(FileStream file, long lines)
    {
        if (lines <= 0) return file.Length;
        var pos = file.Length;
        var carry = Array.Empty<byte>();   // the start of a line that began before pos
        long full = 0;
        while (pos > 0)
        {
            var size = (int)Math.Min(TailBlock, pos);
            pos -= size;
            var block = new byte[size];
            file.Position = pos;
            file.ReadExactly(block);
            byte[] data = [.. block, .. carry];
            var end = data.Length;   // data[end] is the newline ending the line being looked at (or the data's end)
            for (var i = end - 1; i >= 0; i--)
            {
                if (data[i] != '\n') continue;
                if (IsFull(data.AsSpan(i + 1, end - i - 1)) && ++full > lines) return pos + end + 1;
                end = i;
            }
            if (pos == 0) return IsFull(data.AsSpan(0, end)) && ++full > lines ? end + 1 : 0;
            carry = data[..end];
        }
        return 0;
    }

    private static bool IsFull(ReadOnlySpan<byte> line) => CriLogEntry.Parse(line) is { Partial: false };

    /// <summary>The first line of the file at <paramref name="path"/>: it names one log file across renames.</summary>
    private static string? FirstLine(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buf = new byte[128];
            var n = f.Read(buf);
            var nl = Array.IndexOf(buf, (byte)'\n', 0, n);
            return nl < 0 ? null : Encoding.ASCII.GetString(buf, 0, nl);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private sealed class LineState
    {
        public MemoryStream Pending { get; } = new();
        public MemoryStream Line { get; } = new();
        public CriLogEntry? LineTime { get; set; }
    }

    private sealed class Budget(long? limit)
    {
        private long _left = limit ?? long.MaxValue;

        public bool Exhausted => _left <= 0;

        public ReadOnlyMemory<byte> Take(byte[] text)
        {
            var n = (int)Math.Min(text.Length, _left);
            _left -= n;
            return text.AsMemory(0, n);
        }
    }
}
