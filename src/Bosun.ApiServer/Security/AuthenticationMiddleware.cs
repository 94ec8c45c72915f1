using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Security;

/// <summary>
/// Rejects unauthenticated requests with kube-apiserver's 401 Status, except on the health and version endpoints,
/// and records the caller's identity for later stages (<see cref="HttpContextUserExtensions.GetUser"/>).
/// </summary>
public sealed class AuthenticationMiddleware
{
    /// <summary>Byte-for-byte what kube-apiserver sends; kubectl prints <c>message</c> as "error: You must be logged in ... (Unauthorized)".</summary>
    internal const string UnauthorizedBody =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}";

    /// <summary>The cluster CA in PEM, public as in k3s: a joining node pins it by the hash in its join command.</summary>
    public const string CaCertsPath = "/cacerts";

    /// <summary>The agent CA, which agents need to admit the API server's client certificate on their streaming port.</summary>
    public const string AgentCaCertsPath = "/cacerts/agent";

    private static readonly string[] AnonymousPrefixes = ["/livez", "/readyz", "/healthz"];

    private readonly RequestDelegate _next;
    private readonly IAuthenticator _authenticator;
    private readonly ILogger _logger;

    public AuthenticationMiddleware(RequestDelegate next, IAuthenticator authenticator, ILogger<AuthenticationMiddleware> logger)
    {
        _next = next;
        _authenticator = authenticator;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext ctx)
    {
        var user = await TryAuthenticateAsync(ctx).ConfigureAwait(false);
        if (user is null && !IsAnonymousPath(ctx.Request.Path))
        {
            ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(UnauthorizedBody, ctx.RequestAborted).ConfigureAwait(false);
            return;
        }

        ctx.SetUser(user ?? UserInfo.Anonymous);
        await _next(ctx).ConfigureAwait(false);
    }

    /// <summary>Health probes and <c>/version</c> (which the kubectl dispatcher calls first) must work without credentials.</summary>
    internal static bool IsAnonymousPath(PathString path)
    {
        if (path.Equals("/version", StringComparison.Ordinal) || path.Equals("/version/", StringComparison.Ordinal)
            || path.Equals(CaCertsPath, StringComparison.Ordinal)
            || path.Equals(AgentCaCertsPath, StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var prefix in AnonymousPrefixes)
        {
            // StartsWithSegments matches /livez and /livez/ping but not /livezzz.
            if (path.StartsWithSegments(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// An authenticator bug must not turn into a 500 that leaks details or, worse, into a request that passes:
    /// treat it as "no identity" and log it.
    /// </summary>
    private async ValueTask<UserInfo?> TryAuthenticateAsync(HttpContext ctx)
    {
        try
        {
            return await _authenticator.AuthenticateAsync(ctx).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning(e, "Authentication failed with an exception for {Method} {Path}", ctx.Request.Method, ctx.Request.Path);
            return null;
        }
    }
}
