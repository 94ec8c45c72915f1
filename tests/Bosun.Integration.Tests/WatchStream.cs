using System.Text.Json.Nodes;

namespace Bosun.Integration.Tests;

/// <summary>A raw HTTP watch: reads the stream line by line as <c>{"type":…,"object":…}</c> events.</summary>
public sealed class WatchStream : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;
    private Task<string?>? pending;

    private WatchStream(HttpResponseMessage response, StreamReader reader)
    {
        this.response = response;
        this.reader = reader;
    }

    public int StatusCode => (int)response.StatusCode;

    public static async Task<WatchStream> OpenAsync(HttpClient http, string path)
    {
        var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        return new WatchStream(response, new StreamReader(stream));
    }

    /// <summary>The next event, or null when the server ended the stream; fails after <paramref name="timeout"/>.</summary>
    public async Task<(string Type, JsonObject Object)?> NextAsync(TimeSpan? timeout = null)
    {
        pending ??= reader.ReadLineAsync();
        var done = await Task.WhenAny(pending, Task.Delay(timeout ?? TimeSpan.FromSeconds(10)));
        if (done != pending) throw new TimeoutException("no watch event arrived in time");
        var line = await pending;
        pending = null;
        if (line is null) return null;
        var e = JsonNode.Parse(line)!.AsObject();
        return ((string)e["type"]!, e["object"]!.AsObject());
    }

    /// <summary>True when nothing arrives within <paramref name="quiet"/>.</summary>
    public async Task<bool> IsQuietAsync(TimeSpan quiet)
    {
        pending ??= reader.ReadLineAsync();
        return await Task.WhenAny(pending, Task.Delay(quiet)) != pending;
    }

    public async ValueTask DisposeAsync()
    {
        response.Dispose();
        reader.Dispose();
        if (pending is not null) try { await pending; } catch { /* aborted */ }
    }
}
