using System.Globalization;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.NodeProxy;

/// <summary>
/// <c>GET pods/{name}/log</c>: checks the PodLogOptions, defaults the container, and streams the agent's
/// <c>/containerLogs/{ns}/{pod}/{container}</c> answer through, flushing as it arrives (for <c>follow</c>).
/// </summary>
internal sealed class PodLogProxy(ResourceCatalog catalog, KubeletClient kubelets)
{
    private static readonly string[] Booleans = ["follow", "previous", "timestamps", "insecureSkipTLSVerifyBackend"];
    private static readonly string[] Integers = ["tailLines", "sinceSeconds", "limitBytes"];

    public async Task HandleAsync(HttpContext ctx, string ns, string name)
    {
        var ct = ctx.RequestAborted;
        if (ctx.Request.Method != "GET") throw ApiException.MethodNotAllowed(ctx.Request.Method, "pods/log");
        var query = ValidateQuery(ctx.Request.Query, name);
        var target = await PodTarget.ResolveAsync(catalog, ns, name, ctx.Request.Query["container"].ToString(), needsContainer: true, ct,
            unscheduledIsEmpty: true);
        if (target is null)
        {
            // kube-apiserver's LogLocation gives no location for a pod without a node: an empty log.
            ctx.Response.ContentType = "text/plain";
            return;
        }
        LogStatusCheck.Validate(target.Pod, name, target.Container!, ctx.Request.Query["previous"].ToString() is "true" or "1" or "t" or "T" or "True");
        var uri = new Uri($"https://{target.Endpoint.Authority}/containerLogs/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(target.Container!)}{query}");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        HttpResponseMessage response;
        try { response = await kubelets.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct); }
        catch (HttpRequestException e)
        {
            throw ApiException.ServiceUnavailable($"Get \"{uri}\": {e.Message}");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = (await response.Content.ReadAsStringAsync(ct)).Trim();
                throw new ApiException((int)response.StatusCode is 404 or 400 ? (int)response.StatusCode : 500,
                    (int)response.StatusCode == 404 ? "NotFound" : (int)response.StatusCode == 400 ? "BadRequest" : "InternalError", text);
            }
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.StartAsync(ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[16 * 1024];
            int n;
            try
            {
                while ((n = await body.ReadAsync(buffer, ct)) > 0)
                {
                    await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, n), ct);
                    await ctx.Response.Body.FlushAsync(ct);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && ct.IsCancellationRequested)
            {
                // the client stopped following
            }
        }
    }

    /// <summary>
    /// kube-apiserver's checks: 400 for values it cannot convert, 422 (<c>PodLogOptions "x" is invalid</c>) for values
    /// <c>ValidatePodLogOptions</c> rejects. Returns the query to pass on (without <c>container</c>).
    /// </summary>
    internal static string ValidateQuery(IQueryCollection q, string pod)
    {
        foreach (var b in Booleans)
            if (q[b].ToString() is { Length: > 0 } v && !bool.TryParse(v, out _) && v is not ("1" or "0" or "t" or "f" or "T" or "F"))
                throw ApiException.BadRequest($"invalid value for {b}: strconv.ParseBool: parsing \"{v}\": invalid syntax");
        var errors = new List<FieldError>();
        foreach (var i in Integers)
        {
            if (q[i].ToString() is not { Length: > 0 } v) continue;
            if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                throw ApiException.BadRequest($"invalid value for {i}: strconv.ParseInt: parsing \"{v}\": invalid syntax");
            if (i == "tailLines" && n < 0) errors.Add(FieldError.Invalid(i, n, "must be greater than or equal to 0"));
            if (i != "tailLines" && n < 1) errors.Add(FieldError.Invalid(i, n, "must be greater than 0"));
        }
        if (q["sinceTime"].ToString() is { Length: > 0 } st)
        {
            if (!DateTimeOffset.TryParse(st, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                throw ApiException.BadRequest($"invalid value for sinceTime: parsing time \"{st}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse");
            if (q["sinceSeconds"].Count > 0) errors.Add(FieldError.Forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
        }
        if (errors.Count > 0) throw ApiException.Invalid("", "PodLogOptions", pod, errors);
        var pass = q.Where(kv => kv.Key != "container").SelectMany(kv => kv.Value.Select(v => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(v ?? "")}"));
        var s = string.Join("&", pass);
        return s.Length == 0 ? "" : "?" + s;
    }
}
