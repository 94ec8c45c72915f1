using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Bosun.Agent.Images;

/// <summary>A registry refused a request: the message names the request, the status and the registry's own error text.</summary>
internal sealed class RegistryException(string message) : Exception(message);

/// <summary>
/// Pushes an <see cref="ImageArchive"/> with the OCI distribution API: for each blob a HEAD (skipped when present),
/// else an upload session (POST) completed by one PUT with the digest; then the manifest PUT under the tag.
/// Credentials are sent as HTTP basic auth, which is what an htpasswd-protected registry asks for.
/// </summary>
internal sealed class RegistryPusher(HttpClient http, Uri registry, AuthenticationHeaderValue? auth, Action<string> progress)
{
    /// <summary>Pushes and returns the manifest digest.</summary>
    public async Task<string> PushAsync(ImageArchive image, string repository, string tag, CancellationToken ct)
    {
        foreach (var blob in image.Blobs) await PushBlobAsync(blob, repository, ct);
        using var put = Request(HttpMethod.Put, $"/v2/{repository}/manifests/{tag}");
        put.Content = new ByteArrayContent(image.Manifest);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue(image.ManifestMediaType);
        using var response = await http.SendAsync(put, ct);
        await EnsureAsync(response, "PUT manifest", HttpStatusCode.Created, ct);
        return response.Headers.TryGetValues("Docker-Content-Digest", out var d) ? d.First() : image.ManifestDigest;
    }

    private async Task PushBlobAsync(ImageBlob blob, string repository, CancellationToken ct)
    {
        using (var head = Request(HttpMethod.Head, $"/v2/{repository}/blobs/{blob.Digest}"))
        using (var exists = await http.SendAsync(head, ct))
        {
            if (exists.StatusCode == HttpStatusCode.OK)
            {
                progress($"{ImageArchive.Short(blob.Digest)}: already exists");
                return;
            }
            if (exists.StatusCode != HttpStatusCode.NotFound) await EnsureAsync(exists, $"HEAD blob {blob.Digest}", HttpStatusCode.OK, ct);
        }
        Uri location;
        using (var post = Request(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/"))
        using (var started = await http.SendAsync(post, ct))
        {
            await EnsureAsync(started, "POST blob upload", HttpStatusCode.Accepted, ct);
            location = started.Headers.Location is { } l
                ? new Uri(registry, l)
                : throw new RegistryException("POST blob upload: the registry returned no Location for the upload");
        }
        var separator = location.Query.Length > 0 ? "&" : "?";
        using var put = Request(HttpMethod.Put, new Uri($"{location}{separator}digest={Uri.EscapeDataString(blob.Digest)}"));
        await using var file = File.OpenRead(blob.FilePath);
        put.Content = new StreamContent(file);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        put.Content.Headers.ContentLength = blob.Size;
        using var done = await http.SendAsync(put, ct);
        await EnsureAsync(done, $"PUT blob {blob.Digest}", HttpStatusCode.Created, ct);
        progress($"{ImageArchive.Short(blob.Digest)}: pushed {blob.Size} bytes");
    }

    private HttpRequestMessage Request(HttpMethod method, string path) => Request(method, new Uri(registry, path));

    private HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = auth;
        return request;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, HttpStatusCode expected, CancellationToken ct)
    {
        if (response.StatusCode == expected) return;
        var body = await response.Content.ReadAsStringAsync(ct);
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        throw new RegistryException($"{what}: {status}{Detail(body)}");
    }

    /// <summary>The registry's <c>errors[].message</c> (distribution's error body), or the body's start.</summary>
    internal static string Detail(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return "";
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                var messages = errors.EnumerateArray()
                    .Select(e => e.TryGetProperty("message", out var m) ? m.GetString() : e.TryGetProperty("code", out var c) ? c.GetString() : null)
                    .OfType<string>().ToList();
                if (messages.Count > 0) return ": " + string.Join("; ", messages);
            }
        }
        catch (JsonException)
        {
            // Not distribution's error format: show the text.
        }
        var text = body.Trim();
        return ": " + (text.Length > 200 ? text[..200] + "…" : text);
    }
}
