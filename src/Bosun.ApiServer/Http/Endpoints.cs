using System.Runtime.InteropServices;
using System.Text;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Watch;
using Bosun.Storage;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>
/// The server's URL space: version, health, metrics, discovery, OpenAPI, then every resource path.
/// A plain switch on the path (one place to read), after authentication has run.
/// </summary>
internal sealed class Endpoints(ResourceCatalog catalog, Discovery discovery, WatchCache cache, IKeyValueStore storage, TimeProvider time,
    ResourceMetrics.MetricsApi metrics, NodeProxy.KubeletClient kubelets,
    Security.ServiceAccounts.ServiceAccountTokens? tokens = null, Authorization.ReviewApi? reviews = null, string? caPem = null, string? agentCaPem = null)
{
    private readonly ResourceHandler resources = new(catalog, new WatchStreamer(cache, storage, time), new ResponseWriter(time),
        new NodeProxy.PodSubresources(catalog, kubelets), tokens);

    /// <summary>Set once start-up has finished; <c>/readyz</c> answers 500 until then.</summary>
    public bool Ready { get; set; }

    public Task DispatchAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path.Length > 1) path = path.TrimEnd('/');
        return path switch
        {
            "/version" => Text(ctx, 200, VersionInfo.Json, "application/json"),
            "/livez" or "/healthz" or "/livez/ping" or "/healthz/ping" => Text(ctx, 200, "ok", "text/plain"),
            "/readyz" or "/readyz/ping" => Ready ? Text(ctx, 200, "ok", "text/plain") : Text(ctx, 500, "not ready: starting", "text/plain"),
            "/metrics" => MetricsAsync(ctx),
            Security.AuthenticationMiddleware.CaCertsPath when caPem is not null => Text(ctx, 200, caPem, "text/plain"),
            Security.AuthenticationMiddleware.AgentCaCertsPath when agentCaPem is not null => Text(ctx, 200, agentCaPem, "text/plain"),
            "/api" => discovery.ApiAsync(ctx),
            "/apis" => discovery.ApisAsync(ctx),
            "/api/v1" => ResourceList(ctx, "v1"),
            _ when ResourceMetrics.MetricsApi.Handles(path) => metrics.HandleAsync(ctx, path),
            _ when reviews is not null && Authorization.ReviewApi.Handles(path) && path.Count(c => c == '/') > 3 => reviews.HandleAsync(ctx, path),
            _ when path.StartsWith("/apis/", StringComparison.Ordinal) && path.Count(c => c == '/') == 2 => Group(ctx, path["/apis/".Length..]),
            _ when path.StartsWith("/apis/", StringComparison.Ordinal) && path.Count(c => c == '/') == 3 => ResourceList(ctx, path["/apis/".Length..]),
            _ => ResourceAsync(ctx, path),
        };
    }

    private Task ResourceAsync(HttpContext ctx, string path)
    {
        var info = RequestInfo.Parse(path) ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        return resources.HandleAsync(ctx, info);
    }

    private Task ResourceList(HttpContext ctx, string groupVersion) =>
        discovery.TryGetResourceList(groupVersion, out var body)
            ? Bytes(ctx, body)
            : throw new ApiException(404, "NotFound", "the server could not find the requested resource");

    private Task Group(HttpContext ctx, string group) =>
        discovery.TryGetGroup(group, out var body)
            ? Bytes(ctx, body)
            : throw new ApiException(404, "NotFound", "the server could not find the requested resource");

    private static async Task MetricsAsync(HttpContext ctx)
    {
        ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(ctx.Response.Body, ctx.RequestAborted);
    }

    private static Task Bytes(HttpContext ctx, byte[] body)
    {
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = body.Length;
        return ctx.Response.Body.WriteAsync(body, ctx.RequestAborted).AsTask();
    }

    private static Task Text(HttpContext ctx, int code, string text, string contentType)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = contentType;
        return ctx.Response.WriteAsync(text, Encoding.UTF8, ctx.RequestAborted);
    }
}

/// <summary>
/// What <c>/version</c> reports. kubectl's dispatcher picks the client binary by <c>minor</c>, so this is the
/// Kubernetes version whose API Bosun serves.
/// </summary>
internal static class VersionInfo
{
    public const string Major = "1";
    public const string Minor = "32";
    public const string GitVersion = "v1.32.4+bosun";

    public static readonly string Json =
        $"{{\"major\":\"{Major}\",\"minor\":\"{Minor}\",\"gitVersion\":\"{GitVersion}\",\"gitCommit\":\"{Commit}\"," +
        $"\"gitTreeState\":\"clean\",\"buildDate\":\"{BuildDate}\",\"goVersion\":\"dotnet{Environment.Version}\"," +
        $"\"compiler\":\"dotnet\",\"platform\":\"linux/{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant().Replace("x64", "amd64")}\"}}";

    private static string Commit => typeof(VersionInfo).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+').ElementAtOrDefault(1) ?? "unknown";

    /// <summary>When the code was built: its assembly's file, or in the native build (no assembly files) the executable's.</summary>
    private static string BuildDate => File.GetLastWriteTimeUtc(typeof(VersionInfo).Assembly.Location is { Length: > 0 } dll ? dll : Environment.ProcessPath!)
        .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
}
