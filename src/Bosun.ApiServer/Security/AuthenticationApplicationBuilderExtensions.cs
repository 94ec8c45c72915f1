using Microsoft.AspNetCore.Builder;

namespace Bosun.ApiServer.Security;

/// <summary>Adds <see cref="AuthenticationMiddleware"/> to a pipeline.</summary>
public static class AuthenticationApplicationBuilderExtensions
{
    /// <summary>Must come before any endpoint that serves cluster data; everything after it can call <c>ctx.GetUser()</c>.</summary>
    public static IApplicationBuilder UseBosunAuthentication(this IApplicationBuilder app, IAuthenticator authenticator)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        return app.UseMiddleware<AuthenticationMiddleware>(authenticator);
    }
}
