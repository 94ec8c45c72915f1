using Bosun.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Authorization;

/// <summary>
/// Runs after authentication: the request proceeds only when an authorizer allows it; otherwise Kubernetes' 403.
/// The public health and version paths stay open to everyone, as authentication lets them through anonymously.
/// </summary>
internal sealed class AuthorizationMiddleware(RequestDelegate next, IAuthorizer authorizer, RbacCache rbac)
{
    public async Task InvokeAsync(HttpContext ctx)
    {
        var user = ctx.GetUser();
        if (user is null || AuthenticationMiddleware.IsAnonymousPath(ctx.Request.Path))
        {
            await next(ctx).ConfigureAwait(false);
            return;
        }

        var attributes = RequestAttributes.From(ctx, user);
        var result = authorizer.Authorize(attributes);
        if (result.Decision != Decision.Allow)
        {
            // Before refusing, catch up with storage: a binding created just before this request must count.
            await rbac.RefreshAsync(ctx.RequestAborted).ConfigureAwait(false);
            result = authorizer.Authorize(attributes);
        }
        if (result.Decision != Decision.Allow) throw Forbidden.Exception(attributes, result.Reason);
        ctx.Items[AttributesKey] = attributes;
        await next(ctx).ConfigureAwait(false);
    }

    /// <summary>Where later stages (admission) find the request's attributes.</summary>
    public static readonly object AttributesKey = new();
}
