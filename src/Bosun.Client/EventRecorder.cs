using System.Globalization;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>
/// Records core/v1 Events about objects (what <c>kubectl describe</c> shows). Recording never blocks the caller:
/// events go through a bounded queue to a background writer. A repeat of the same reason and message for the same
/// object within ten minutes bumps the existing event's count instead of creating a new one. A recorder on a node
/// (the agent) names it as <c>source.host</c> and <c>reportingInstance</c>, as the kubelet's events do.
/// </summary>
public sealed partial class EventRecorder(ApiClient api, string component, ILogger logger, TimeProvider? time = null, string? host = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly Channel<Corev1Event> pending = Channel.CreateBounded<Corev1Event>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Dictionary<(string Uid, string Reason, string Message), (string Name, int Count, DateTime First)> seen = [];

    public const string Normal = "Normal";
    public const string Warning = "Warning";

    public void Record(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ns = obj.Metadata.NamespaceProperty ?? "default";
        pending.Writer.TryWrite(new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{obj.Metadata.Name}.{now.Ticks:x}",
                NamespaceProperty = ns,
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = obj.ApiVersion,
                Kind = obj.Kind,
                Name = obj.Metadata.Name,
                NamespaceProperty = obj.Metadata.NamespaceProperty,
                Uid = obj.Metadata.Uid,
                ResourceVersion = obj.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Source = new V1EventSource { Component = component, Host = host },
            ReportingComponent = component,
            ReportingInstance = host,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        });
    }

    public async Task RunAsync(CancellationToken ct)
    {
        await foreach (var e in pending.Reader.ReadAllAsync(ct))
        {
            try
            {
                await WriteAsync(e, ct);
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Log.WriteFailed(logger, e.Reason, ex.Message);   // events are best effort, as in client-go
            }
        }
    }

    private async Task WriteAsync(Corev1Event e, CancellationToken ct)
    {
        var key = (e.InvolvedObject.Uid ?? e.InvolvedObject.Name, e.Reason, e.Message);
        var now = e.LastTimestamp!.Value;
        if (seen.TryGetValue(key, out var prior) && now - prior.First < TimeSpan.FromMinutes(10))
        {
            var count = prior.Count + 1;
            var patch = $$"""{"count":{{count}},"lastTimestamp":"{{now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}"}""";
            try
            {
                await api.PatchAsync<Corev1Event>(e.Metadata.NamespaceProperty, prior.Name, "application/merge-patch+json", patch, ct);
                seen[key] = (prior.Name, count, prior.First);
                return;
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                seen.Remove(key);
            }
        }
        await api.CreateAsync(e.Metadata.NamespaceProperty, e, ct);
        if (seen.Count > 4096) seen.Clear();
        seen[key] = (e.Metadata.Name, 1, now);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Could not record event {Reason}: {Error}")]
        public static partial void WriteFailed(ILogger logger, string reason, string error);
    }
}
