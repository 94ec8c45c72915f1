using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Bosun.Client;

/// <summary>
/// Typed access to the API for every component (controllers, scheduler, node agents): get, list, create, update,
/// patch, delete and watch on KubernetesClient models, over one HTTP/2 connection pool. Failures become
/// <see cref="ApiException"/> with the server's Status.
/// </summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient http;
    private readonly bool ownsHttp;

    public ApiClient(HttpClient http, bool ownsHttp = false)
    {
        this.http = http;
        this.ownsHttp = ownsHttp;
    }

    /// <summary>
    /// The server list requests fail over through, when this client has one (kubeconfig clients and agents do);
    /// <see cref="ApiServerEndpoints.FollowAsync"/> keeps it current.
    /// </summary>
    public ServerFailover? Failover { get; init; }

    /// <summary>
    /// Connects with a kubeconfig file (client certificate or token), as kubectl would, to its server and then to
    /// <paramref name="moreServers"/> when that one cannot be reached. A client certificate rotated in the file is
    /// used from the next connection on; connections live at most <paramref name="connectionLifetime"/> (10 minutes).
    /// </summary>
    public static ApiClient FromKubeconfig(string path, string userAgent, IEnumerable<Uri>? moreServers = null, TimeSpan? connectionLifetime = null) =>
        KubeconfigClient.Create(path, userAgent, moreServers, connectionLifetime);

    /// <summary>
    /// A client over <paramref name="handler"/> (TLS already configured) that fails over between <paramref name="servers"/>,
    /// first preferred, speaking HTTP/2 with no overall timeout (watches stay open); a bearer token when given.
    /// </summary>
    public static ApiClient WithFailover(HttpMessageHandler handler, IReadOnlyList<Uri> servers, string userAgent, string? bearerToken = null)
    {
        var failover = new ServerFailover(servers) { InnerHandler = handler };
        var http = new HttpClient(failover) { BaseAddress = servers[0], Timeout = Timeout.InfiniteTimeSpan, DefaultRequestVersion = new Version(2, 0) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        if (bearerToken is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        return new ApiClient(http, ownsHttp: true) { Failover = failover };
    }

    public async Task<T> GetAsync<T>(string? ns, string name, CancellationToken ct, string? subresource = null)
    {
        using var response = await SendAsync(HttpMethod.Get, ResourceType.Of<T>().ObjectPath(ns, name, subresource), null, null, ct);
        return await ReadAsync<T>(response, ct);
    }

    /// <summary>Null when the object does not exist.</summary>
    public async Task<T?> TryGetAsync<T>(string? ns, string name, CancellationToken ct) where T : class
    {
        try { return await GetAsync<T>(ns, name, ct); }
        catch (ApiException e) when (e.IsNotFound) { return null; }
    }

    public async Task<TList> ListAsync<TList>(Type itemType, string? ns, ListQuery query, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, ResourceType.Of(itemType).CollectionPath(ns) + query.ToQueryString(), null, null, ct);
        return await ReadAsync<TList>(response, ct);
    }

    public async Task<T> CreateAsync<T>(string? ns, T obj, CancellationToken ct, string? fieldManager = null)
    {
        var path = ResourceType.Of<T>().CollectionPath(ns) + FieldManager(fieldManager);
        using var response = await SendAsync(HttpMethod.Post, path, Json(obj), null, ct);
        return await ReadAsync<T>(response, ct);
    }

    public async Task<T> UpdateAsync<T>(string? ns, string name, T obj, CancellationToken ct, string? subresource = null, string? fieldManager = null)
    {
        var path = ResourceType.Of<T>().ObjectPath(ns, name, subresource) + FieldManager(fieldManager);
        using var response = await SendAsync(HttpMethod.Put, path, Json(obj), null, ct);
        return await ReadAsync<T>(response, ct);
    }

    public Task<T> UpdateStatusAsync<T>(string? ns, string name, T obj, CancellationToken ct) => UpdateAsync(ns, name, obj, ct, "status");

    /// <summary><paramref name="patchType"/> is the media type, e.g. <c>application/merge-patch+json</c>.</summary>
    public async Task<T> PatchAsync<T>(string? ns, string name, string patchType, string patch, CancellationToken ct,
        string? subresource = null, string? fieldManager = null)
    {
        var content = new StringContent(patch, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(patchType);
        var path = ResourceType.Of<T>().ObjectPath(ns, name, subresource) + FieldManager(fieldManager);
        using var response = await SendAsync(HttpMethod.Patch, path, content, null, ct);
        return await ReadAsync<T>(response, ct);
    }

    /// <summary>Deletes; a missing object is not an error (returns false).</summary>
    public async Task<bool> DeleteAsync<T>(string? ns, string name, CancellationToken ct, V1DeleteOptions? options = null)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Delete, ResourceType.Of<T>().ObjectPath(ns, name), options is null ? null : Json(options), null, ct);
            return true;
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <summary>GET of a path outside the typed model map: the metrics API, or a <c>scale</c> subresource of any kind.</summary>
    public async Task<T> GetPathAsync<T>(string pathAndQuery, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, pathAndQuery, null, null, ct);
        return await ReadAsync<T>(response, ct);
    }

    /// <summary>PUT of <paramref name="body"/> to a path (a <c>scale</c> subresource, a node agent's metrics report).</summary>
    public async Task<T> PutPathAsync<T>(string path, object body, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Put, path, Json(body), null, ct);
        return await ReadAsync<T>(response, ct);
    }

    /// <summary>A node agent's usage report (Bosun's write path into the metrics API).</summary>
    public Task ReportNodeMetricsAsync(string node, NodeMetricsReport report, CancellationToken ct) =>
        PutPathAsync<k8s.Models.V1Status>("/apis/bosun.dev/v1/nodemetrics/" + Uri.EscapeDataString(node), report, ct);

    /// <summary>Creates a subresource object, e.g. a <c>Binding</c> on <c>pods/binding</c> or an <c>Eviction</c>.</summary>
    public async Task PostSubresourceAsync<TParent>(string? ns, string name, string subresource, object body, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, ResourceType.Of<TParent>().ObjectPath(ns, name, subresource), Json(body), null, ct);
    }

    /// <summary>Creates a subresource object and reads the answer, e.g. a <c>TokenRequest</c> on <c>serviceaccounts/token</c>.</summary>
    public async Task<TResult> PostSubresourceAsync<TParent, TResult>(string? ns, string name, string subresource, object body, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, ResourceType.Of<TParent>().ObjectPath(ns, name, subresource), Json(body), null, ct);
        return await ReadAsync<TResult>(response, ct);
    }

    /// <summary>
    /// Watches changes after <paramref name="resourceVersion"/>. Ends when the server closes the stream; throws
    /// <see cref="ApiException"/> with code 410 when the revision is too old (the caller relists).
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns, string resourceVersion, ListQuery query,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var q = query with { Watch = true, ResourceVersion = resourceVersion, AllowBookmarks = true };
        using var response = await SendAsync(HttpMethod.Get, ResourceType.Of<T>().CollectionPath(ns) + q.ToQueryString(), null,
            HttpCompletionOption.ResponseHeadersRead, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            var type = doc.RootElement.GetProperty("type").GetString();
            var obj = doc.RootElement.GetProperty("object");
            if (type == "ERROR")
            {
                var status = ModelJson.Deserialize<V1Status>(obj);
                throw new ApiException(status.Code ?? 500, status.Reason ?? "", status.Message ?? "watch error", status);
            }
            var rv = obj.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("resourceVersion", out var r) ? r.GetString() ?? "" : "";
            var eventType = type switch
            {
                "ADDED" => WatchEventType.Added,
                "MODIFIED" => WatchEventType.Modified,
                "DELETED" => WatchEventType.Deleted,
                "BOOKMARK" => WatchEventType.Bookmark,
                _ => throw new InvalidDataException($"unknown watch event type {type}"),
            };
            yield return new WatchEvent<T>(eventType, eventType == WatchEventType.Bookmark ? default! : ModelJson.Deserialize<T>(obj), rv);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content,
        HttpCompletionOption? completion, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content, Version = new Version(2, 0) };
        request.Headers.Accept.ParseAdd("application/json");
        var response = await http.SendAsync(request, completion ?? HttpCompletionOption.ResponseContentRead, ct);
        if (response.IsSuccessStatusCode) return response;
        using (response) throw await ToExceptionAsync(response, ct);
    }

    private static async Task<ApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        try
        {
            var status = ModelJson.Deserialize<V1Status>(body);
            return new ApiException((int)response.StatusCode, status.Reason ?? "", status.Message ?? body, status);
        }
        catch (JsonException)
        {
            return new ApiException((int)response.StatusCode, response.ReasonPhrase ?? "", body);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        return ModelJson.Deserialize<T>(stream);
    }

    private static StringContent Json(object? obj) =>
        new(ModelJson.Serialize(obj ?? throw new ArgumentNullException(nameof(obj))), Encoding.UTF8, "application/json");

    private static string FieldManager(string? manager) => manager is null ? "" : "?fieldManager=" + Uri.EscapeDataString(manager);

    public void Dispose()
    {
        if (ownsHttp) http.Dispose();
    }
}
