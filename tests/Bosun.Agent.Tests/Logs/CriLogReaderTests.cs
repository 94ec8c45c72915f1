using System.Text;
using Bosun.Agent.Logs;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Agent.Tests.Logs;

public sealed class CriLogReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bosun-logs-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-25T22:00:00Z"));

    private string Write(params string[] lines)
    {
        var path = Path.Combine(_dir, "0.log");
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }

    private async Task<string> ReadAsync(string path, LogOptions options, Func<CancellationToken, Task<bool>>? running = null,
        Func<CancellationToken, Task>? wait = null)
    {
        var output = new MemoryStream();
        await new CriLogReader(_time, wait).CopyAsync(path, options, output, running ?? (_ => Task.FromResult(false)), default);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public void Entries_are_parsed_with_variable_length_timestamps_and_empty_messages()
    {
        var e = CriLogEntry.Parse("2026-11-25T21:53:04.16801284Z stdout F hello world"u8)!;
        Assert.Equal("stdout", e.Stream);
        Assert.False(e.Partial);
        Assert.Equal("hello world", Encoding.UTF8.GetString(e.Message));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 21, 53, 4, TimeSpan.Zero).AddTicks(1680128), e.Time);
        Assert.Empty(CriLogEntry.Parse("2026-11-25T21:53:04Z stderr F "u8)!.Message);
        Assert.True(CriLogEntry.Parse("2026-11-25T21:53:04.1Z stdout P part"u8)!.Partial);
        Assert.Null(CriLogEntry.Parse("garbage"u8));
        Assert.Null(CriLogEntry.Parse("2026-11-25T21:53:04Z stdout X msg"u8));
    }

    [Fact]
    public async Task Partial_entries_are_joined_into_one_line_with_the_first_timestamp()
    {
        var path = Write(
            "2026-11-25T21:00:00.1Z stdout P abc",
            "2026-11-25T21:00:00.2Z stdout P def",
            "2026-11-25T21:00:00.3Z stdout F ghi",
            "2026-11-25T21:00:01Z stderr F next");
        Assert.Equal("abcdefghi\nnext\n", await ReadAsync(path, new LogOptions()));
        Assert.Equal("2026-11-25T21:00:00.1Z abcdefghi\n2026-11-25T21:00:01Z next\n", await ReadAsync(path, new LogOptions { Timestamps = true }));
    }

    [Fact]
    public async Task Tail_counts_whole_lines_from_the_end_and_keeps_their_partial_parts()
    {
        var path = Write(
            "2026-11-25T21:00:00Z stdout F one",
            "2026-11-25T21:00:01Z stdout P tw",
            "2026-11-25T21:00:02Z stdout F o",
            "2026-11-25T21:00:03Z stdout F three");
        Assert.Equal("two\nthree\n", await ReadAsync(path, new LogOptions { TailLines = 2 }));
        Assert.Equal("three\n", await ReadAsync(path, new LogOptions { TailLines = 1 }));
        Assert.Equal("one\ntwo\nthree\n", await ReadAsync(path, new LogOptions { TailLines = 10 }));
        Assert.Equal("", await ReadAsync(path, new LogOptions { TailLines = 0 }));
    }

    [Fact]
    public async Task Tail_reads_backwards_across_block_boundaries_of_a_large_file()
    {
        var lines = Enumerable.Range(0, 20_000).Select(i => $"2026-11-25T21:00:00.{i:D6}Z stdout F line-{i}").ToArray();
        var path = Write(lines);
        Assert.True(new FileInfo(path).Length > 3 * 64 * 1024);
        var got = await ReadAsync(path, new LogOptions { TailLines = 3000 });
        var expected = string.Concat(Enumerable.Range(17_000, 3000).Select(i => $"line-{i}\n"));
        Assert.Equal(expected, got);
    }

    [Fact]
    public async Task Since_drops_older_lines_and_limit_bytes_cuts_the_output()
    {
        var path = Write(
            "2026-11-25T21:00:00Z stdout F old",
            "2026-11-25T21:00:10Z stdout F new-1",
            "2026-11-25T21:00:20Z stdout F new-2");
        Assert.Equal("new-1\nnew-2\n", await ReadAsync(path, new LogOptions { Since = DateTimeOffset.Parse("2026-11-25T21:00:05Z") }));
        Assert.Equal("old\nne", await ReadAsync(path, new LogOptions { LimitBytes = 6 }));
    }

    [Fact]
    public async Task Follow_reads_appended_lines_and_follows_a_rotation_until_the_container_exits()
    {
        var path = Write("2026-11-25T21:00:00Z stdout F first");
        var step = 0;
        Task Script(CancellationToken _)
        {
            step++;
            if (step == 1) File.AppendAllText(path, "2026-11-25T21:00:01Z stdout F appended\n2026-11-25T21:00:02Z stdout P half");
            // The runtime finishes the unterminated line, then writes the rest of the message as a full entry.
            if (step == 2) File.AppendAllText(path, "\n2026-11-25T21:00:02.5Z stdout F -done\n");
            if (step == 3)
            {
                File.Move(path, path + ".20261125-210003");   // what the rotator does, then the runtime reopens the path
                File.WriteAllText(path, "2026-11-25T21:00:04Z stdout F after-rotation\n");
            }
            return Task.CompletedTask;
        }
        var output = await ReadAsync(path, new LogOptions { Follow = true }, _ => Task.FromResult(step < 5), Script);
        Assert.Equal("first\nappended\nhalf-done\nafter-rotation\n", output);
    }

    [Fact]
    public async Task Follow_ends_at_once_for_an_exited_container_after_draining()
    {
        var path = Write("2026-11-25T21:00:00Z stdout F only");
        Assert.Equal("only\n", await ReadAsync(path, new LogOptions { Follow = true }));
    }

    [Fact]
    public async Task Follow_delivers_an_appended_line_on_the_change_notification_before_any_poll_interval_passes()
    {
        var path = Write("2026-11-25T21:00:00Z stdout F first");
        var output = new WatchedStream();
        var running = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // The clock is manual and never advanced while following: only a file change notification can wake the reader.
        var copy = new CriLogReader(_time).CopyAsync(path, new LogOptions { Follow = true }, output, _ => Task.FromResult(running), cts.Token);
        await output.WaitForAsync("first\n", cts.Token);

        File.AppendAllText(path, "2026-11-25T21:00:01Z stdout F second\n");
        await output.WaitForAsync("first\nsecond\n", cts.Token);

        File.Move(path, path + ".20261125-210002");   // rotation: the runtime reopens the path
        File.WriteAllText(path, "2026-11-25T21:00:03Z stdout F after-rotation\n");
        await output.WaitForAsync("first\nsecond\nafter-rotation\n", cts.Token);
        Assert.False(copy.IsCompleted);

        // The container exits quietly: the state check after the quiet period ends the follow.
        running = false;
        while (!copy.IsCompleted)
        {
            // The reader may still be between a late notification and its next wait: move the clock until it has looked.
            _time.Advance(LogFileChanges.QuietPeriod);
            await Task.WhenAny(copy, Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System));
        }
        await copy.WaitAsync(cts.Token);
        Assert.Equal("first\nsecond\nafter-rotation\n", output.Text);
    }

    /// <summary>An output that lets a test await the text written so far.</summary>
    private sealed class WatchedStream : MemoryStream
    {
        private readonly SemaphoreSlim written = new(0);

        public string Text
        {
            get { lock (this) return Encoding.UTF8.GetString(ToArray()); }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            lock (this) Write(buffer.Span);
            written.Release();
            await Task.CompletedTask;
        }

        public async Task WaitForAsync(string text, CancellationToken ct)
        {
            while (Text != text) await written.WaitAsync(ct);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
