using System.Diagnostics;
using Bosun.ApiServer.Errors;
using Bosun.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Http;

/// <summary>
/// The outermost middleware: turns every failure into a Kubernetes Status body (the one place where that happens)
/// and records request counts and latency by verb and resource.
/// </summary>
internal sealed partial class RequestMetrics(RequestDelegate next, ILogger<RequestMetrics> logger)
{
    public const string VerbKey = "bosun.verb";
    public const string ResourceKey = "bosun.resource";

    public async Task InvokeAsync(HttpContext ctx)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(ctx);
        }
        catch (Exception e) when (!ctx.Response.HasStarted)
        {
            var api = Translate(e);
            if (api.Code >= 500) Log.Failed(logger, ctx.Request.Method, ctx.Request.Path, e);
            ctx.Response.Clear();
            ctx.Response.StatusCode = api.Code;
            ctx.Response.ContentType = "application/json";
            if (api.RetryAfterSeconds is { } retry) ctx.Response.Headers.RetryAfter = retry.ToString();
            await ctx.Response.Body.WriteAsync(StatusWriter.Failure(api));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client went away mid-response (watch closed, connection reset): nothing left to tell it.
        }
        finally
        {
            Record(ctx, start);
        }
    }

    private static ApiException Translate(Exception e) => e switch
    {
        ApiException api => api,
        StorageException { Kind: StorageErrorKind.Compacted } s => ApiException.Expired($"too old resource version: {s.Message}"),
        StorageException { Kind: StorageErrorKind.Unavailable } => ApiException.ServiceUnavailable("storage is unavailable"),
        BadHttpRequestException { StatusCode: 413 } => ApiException.TooLarge(),
        BadHttpRequestException b => ApiException.BadRequest(b.Message),
        OperationCanceledException => new ApiException(499, "Timeout", "the request was cancelled"),
        _ => ApiException.Internal("an internal error occurred; see the server log"),
    };

    private static void Record(HttpContext ctx, long start)
    {
        var verb = ctx.Items[VerbKey] as string ?? "other";
        var (group, resource) = ctx.Items[ResourceKey] is (string g, string r) ? (g, r) : ("", "");
        Metrics.Requests.WithLabels(verb, group, resource, CodeText(ctx.Response.StatusCode)).Inc();
        if (verb != "watch") Metrics.RequestDuration.WithLabels(verb, group, resource).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static readonly string?[] CodeTexts = new string?[600];

    /// <summary>The status code as a label value, without formatting a new string on every request.</summary>
    private static string CodeText(int code) =>
        (uint)code < (uint)CodeTexts.Length ? CodeTexts[code] ??= code.ToString(System.Globalization.CultureInfo.InvariantCulture) : code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
        public static partial void Failed(ILogger logger, string method, string path, Exception e);
    }
}
