namespace Bosun.ApiServer.Security;

/// <summary>Well-known Kubernetes user and group names plus certificate OIDs used by authentication.</summary>
internal static class SecurityNames
{
    public const string AdminUser = "system:admin";
    public const string MastersGroup = "system:masters";
    public const string AuthenticatedGroup = "system:authenticated";
    public const string AnonymousUser = "system:anonymous";
    public const string UnauthenticatedGroup = "system:unauthenticated";

    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string CommonNameOid = "2.5.4.3";
    public const string OrganizationOid = "2.5.4.10";
}
