using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Security;

/// <summary>Reads and stores the request's authenticated <see cref="UserInfo"/> in <see cref="HttpContext.Items"/>.</summary>
public static class HttpContextUserExtensions
{
    /// <summary>A private object key, so nothing else can overwrite the identity by string name.</summary>
    private static readonly object UserKey = new();

    /// <summary>
    /// The identity set by the authentication middleware: the authenticated user, <see cref="UserInfo.Anonymous"/> on the
    /// anonymous paths, or null when the middleware did not run.
    /// </summary>
    public static UserInfo? GetUser(this HttpContext ctx) => ctx.Items.TryGetValue(UserKey, out var user) ? user as UserInfo : null;

    internal static void SetUser(this HttpContext ctx, UserInfo user) => ctx.Items[UserKey] = user;
}
