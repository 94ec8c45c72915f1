using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// Warnings admission adds to the request being served (apiserver's <c>warning.AddWarning(ctx, …)</c>): collected per
/// request and written as <c>Warning: 299 - "…"</c> headers when the response starts, so they accompany errors too.
/// Outside a request (tests, the server's own writes) they are dropped.
/// </summary>
internal static class AdmissionWarnings
{
    private static readonly AsyncLocal<List<string>?> Current = new();

    public static void Add(string warning)
    {
        var list = Current.Value;
        if (list is null) return;
        lock (list)
        {
            if (!list.Contains(warning)) list.Add(warning);
        }
    }

    /// <summary>Middleware: a fresh collection for each request, flushed into its response headers.</summary>
    public static async Task CollectAsync(HttpContext ctx, RequestDelegate next)
    {
        var list = new List<string>();
        Current.Value = list;
        ctx.Response.OnStarting(() =>
        {
            lock (list)
            {
                foreach (var w in list) ctx.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
            }
            return Task.CompletedTask;
        });
        await next(ctx);
    }

    /// <summary>For tests: collect what admission warns inside <paramref name="action"/>.</summary>
    internal static async Task<IReadOnlyList<string>> CaptureAsync(Func<Task> action)
    {
        var list = new List<string>();
        Current.Value = list;
        try
        {
            await action();
        }
        finally
        {
            Current.Value = null;
        }
        return list;
    }
}
