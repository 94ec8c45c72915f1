namespace Bosun.ApiServer.Security;

/// <summary>The authenticated identity of a request, as kube-apiserver's <c>user.Info</c>: name, uid, groups and extra.</summary>
/// <param name="Name">User name, e.g. <c>system:admin</c>.</param>
/// <param name="Uid">Stable user id; empty for certificate users, which have none.</param>
/// <param name="Groups">Group names, including <c>system:authenticated</c> for authenticated users.</param>
public sealed record UserInfo(string Name, string Uid, IReadOnlyList<string> Groups)
{
    /// <summary>The identity given to requests on the anonymous paths when no credentials were presented.</summary>
    public static UserInfo Anonymous { get; } = new(SecurityNames.AnonymousUser, "", [SecurityNames.UnauthenticatedGroup]);

    /// <summary>Extra attributes, e.g. <c>authentication.kubernetes.io/pod-name</c> for a pod-bound service-account token.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra { get; init; }
}
