using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.Authorization;

/// <summary>
/// What a request asks to do, as kube-apiserver's <c>authorizer.Attributes</c>: a resource request (verb on
/// group/resource/subresource, namespace, name) or a non-resource request (verb on a path).
/// </summary>
public sealed record AuthorizationAttributes(
    UserInfo User,
    string Verb,
    bool IsResourceRequest,
    string Path = "",
    string ApiGroup = "",
    string ApiVersion = "",
    string Resource = "",
    string Subresource = "",
    string Namespace = "",
    string Name = "")
{
    /// <summary><c>pods</c> or <c>pods/log</c>: the form RBAC rules name.</summary>
    public string ResourceWithSubresource => Subresource.Length == 0 ? Resource : $"{Resource}/{Subresource}";

    public static AuthorizationAttributes ForResource(UserInfo user, string verb, string group, string resource, string ns = "", string name = "", string subresource = "") =>
        new(user, verb, true, ApiGroup: group, Resource: resource, Subresource: subresource, Namespace: ns, Name: name);

    public static AuthorizationAttributes ForPath(UserInfo user, string verb, string path) => new(user, verb, false, Path: path);
}

/// <summary>An authorizer's answer. NoOpinion lets the next authorizer decide; the chain denies when none allows.</summary>
public enum Decision
{
    NoOpinion,
    Allow,
    Deny,
}

/// <summary>A decision with the reason a denial gives (appended to the 403 message as <c>: reason</c>).</summary>
public readonly record struct AuthorizationResult(Decision Decision, string Reason = "")
{
    public static AuthorizationResult Allowed { get; } = new(Decision.Allow);
    public static AuthorizationResult NoOpinion { get; } = new(Decision.NoOpinion);
}

/// <summary>Decides whether a request may proceed. Implementations are pure over their caches and must not throw for any input.</summary>
public interface IAuthorizer
{
    AuthorizationResult Authorize(AuthorizationAttributes attributes);
}
