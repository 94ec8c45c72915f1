using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Security;

/// <summary>
/// Turns the credentials of a request into a <see cref="UserInfo"/>. Public because the composition root wires the chain.
/// </summary>
public interface IAuthenticator
{
    /// <summary>
    /// Returns the identity, or null when this authenticator finds no valid credentials of its kind.
    /// Must not throw for malformed or hostile input.
    /// </summary>
    ValueTask<UserInfo?> AuthenticateAsync(HttpContext ctx);
}
