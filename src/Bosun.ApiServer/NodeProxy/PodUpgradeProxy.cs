using System.Text;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Streaming.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bosun.ApiServer.NodeProxy;

/// <summary>
/// <c>pods/{name}/exec|attach|portforward</c>, like kube-apiserver's upgrade-aware proxy: the client's upgrade request
/// (WebSocket or SPDY) goes to the node agent over TLS; the agent's 101 headers go back to the client, and then bytes are
/// copied both ways. A non-101 answer becomes a Status with the agent's code and text, so kubectl ≥ 1.30 can fall back
/// from WebSocket to SPDY and then report the error.
/// </summary>
internal sealed class PodUpgradeProxy(ResourceCatalog catalog, KubeletClient kubelets)
{
    /// <summary>Request headers that make up the upgrade; everything else (authorization, cookies) stays here.</summary>
    private static readonly string[] ForwardedRequestHeaders =
        ["Upgrade", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version", "Origin"];

    private static readonly string[] ForwardedResponseHeaders =
        ["Upgrade", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version"];

    public async Task HandleAsync(HttpContext ctx, string ns, string name, string subresource)
    {
        var ct = ctx.RequestAborted;
        if (ctx.Request.Method is not ("GET" or "POST")) throw ApiException.MethodNotAllowed(ctx.Request.Method, $"pods/{subresource}");
        var portForward = subresource == "portforward";
        var target = (await PodTarget.ResolveAsync(catalog, ns, name, ctx.Request.Query["container"].ToString(), needsContainer: !portForward, ct))!;
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest || ctx.Request.Headers.Upgrade.Count == 0)
            throw ApiException.BadRequest("Upgrade request required");
        var path = portForward
            ? $"/portForward/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}"
            : $"/{subresource}/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(target.Container!)}";

        Stream agent;
        try { agent = await kubelets.ConnectAsync(target.Endpoint, ct); }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            throw ApiException.ServiceUnavailable($"error dialing backend: {e.Message}");
        }
        await using (agent)
        {
            UpgradeResponse response;
            try
            {
                response = await HttpUpgradeClient.SendAsync(agent, ctx.Request.Method, path + ctx.Request.QueryString.Value,
                    target.Endpoint.Authority, Headers(ctx.Request), ct);
            }
            catch (IOException e)
            {
                throw ApiException.ServiceUnavailable($"error talking to the node agent at {target.Endpoint.Authority}: {e.Message}");
            }
            if (!response.Upgraded)
            {
                var text = Encoding.UTF8.GetString(response.Body).Trim();
                throw new ApiException(response.StatusCode is >= 400 and < 600 ? response.StatusCode : 502,
                    response.StatusCode switch { 400 => "BadRequest", 404 => "NotFound", _ => "InternalError" },
                    text.Length > 0 ? text : $"the node agent answered {response.StatusCode}");
            }
            foreach (var h in ForwardedResponseHeaders)
                if (response.HeaderValues(h).ToArray() is { Length: > 0 } values) ctx.Response.Headers[h] = values;
            var client = await upgrade.UpgradeAsync();
            await ByteRelay.RunAsync(client, agent, ct);
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Headers(HttpRequest request)
    {
        yield return new("Connection", "Upgrade");
        foreach (var name in ForwardedRequestHeaders)
            foreach (var v in request.Headers[name])
                if (v is not null) yield return new(name, v);
        yield return new("Content-Length", "0");
    }
}
