using System.Globalization;
using Bosun.Agent.Logs;
using Bosun.Cri.V1;
using Microsoft.AspNetCore.Http;

namespace Bosun.Agent.Server;

/// <summary><c>/containerLogs/{ns}/{pod}/{container}</c>: the container's CRI log file as plain text (PodLogOptions in the query).</summary>
internal sealed class ContainerLogsHandler(ContainerLocator locator, AgentPaths paths, TimeProvider time)
{
    public async Task HandleAsync(HttpContext ctx, string ns, string pod, string container)
    {
        var ct = ctx.RequestAborted;
        LogOptions options;
        try { options = Parse(ctx.Request.Query, time); }
        catch (FormatException e)
        {
            await StreamRequest.ErrorAsync(ctx, 400, e.Message);
            return;
        }
        var instances = await locator.FindAllAsync(ns, pod, container, ct);
        if (instances.Count == 0)
        {
            await StreamRequest.ErrorAsync(ctx, 404, $"container \"{container}\" in pod \"{pod}\" is not available");
            return;
        }
        var current = instances[0];
        var restart = options.Previous ? current.RestartCount - 1 : current.RestartCount;
        var path = Path.Combine(paths.PodLogDir(ns, pod, current.PodUid), container, $"{restart}.log");
        if (restart < 0 || !File.Exists(path))
        {
            await StreamRequest.ErrorAsync(ctx, 400, options.Previous
                ? $"previous terminated container \"{container}\" in pod \"{pod}\" not found"
                : $"container \"{container}\" in pod \"{pod}\" has no log file yet");
            return;
        }
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.StartAsync(ct);
        var followed = options.Previous ? null : current;
        try
        {
            await new CriLogReader(time).CopyAsync(path, options, ctx.Response.Body,
                async t => followed is not null && await locator.StateAsync(followed.Id, t) == ContainerState.ContainerRunning, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client stopped following
        }
    }

    internal static LogOptions Parse(IQueryCollection q, TimeProvider time)
    {
        long? Long(string name)
        {
            var v = q[name].ToString();
            if (v.Length == 0) return null;
            return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
                ? n : throw new FormatException($"invalid {name}: {v}");
        }
        DateTimeOffset? since = null;
        if (Long("sinceSeconds") is { } s) since = time.GetUtcNow().AddSeconds(-s);
        if (q["sinceTime"].ToString() is { Length: > 0 } st)
            since = DateTimeOffset.TryParse(st, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : throw new FormatException($"invalid sinceTime: {st}");
        return new LogOptions
        {
            Follow = q["follow"] == "true",
            Previous = q["previous"] == "true",
            Timestamps = q["timestamps"] == "true",
            TailLines = Long("tailLines"),
            LimitBytes = Long("limitBytes"),
            Since = since,
        };
    }
}
