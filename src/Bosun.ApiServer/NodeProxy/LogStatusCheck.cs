using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.NodeProxy;

/// <summary>
/// The kubelet's <c>validateContainerLogStatus</c>, applied to the status the agent reported: a container that has not
/// started, or a <c>previous</c> that never terminated, is a 400 with the kubelet's words before the agent is asked.
/// </summary>
internal static class LogStatusCheck
{
    public static void Validate(JsonObject pod, string podName, string container, bool previous)
    {
        var status = pod.Obj("status");
        var entry = new[] { "containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses" }
            .SelectMany(list => (status.Arr(list) ?? []).OfType<JsonObject>())
            .FirstOrDefault(s => s.Str("name") == container);
        var state = entry.Obj("state");
        var last = entry.Obj("lastState").Obj("terminated");
        string Quoted() => $"container \"{container}\" in pod \"{podName}\"";

        if (previous)
        {
            if (string.IsNullOrEmpty(last.Str("containerID")))
                throw ApiException.BadRequest($"previous terminated {Quoted()} not found");
            return;
        }
        if (state.Obj("running") is not null) return;
        if (state.Obj("terminated") is { } terminated)
        {
            if (!string.IsNullOrEmpty(terminated.Str("containerID")) || !string.IsNullOrEmpty(last.Str("containerID"))) return;
            throw ApiException.BadRequest($"{Quoted()} is terminated");
        }
        if (last is not null)
        {
            if (!string.IsNullOrEmpty(last.Str("containerID"))) return;
            throw ApiException.BadRequest($"{Quoted()} is terminated");
        }
        if (state.Obj("waiting") is { } waiting)
        {
            throw ApiException.BadRequest(waiting.Str("reason") switch
            {
                "ErrImagePull" => $"{Quoted()} is waiting to start: image can't be pulled",
                "ImagePullBackOff" => $"{Quoted()} is waiting to start: trying and failing to pull image",
                var reason => $"{Quoted()} is waiting to start: {reason}",
            });
        }
        throw ApiException.BadRequest($"{Quoted()} is waiting to start - no logs yet");
    }
}
