using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Bosun.ApiServer.Security;

/// <summary>Authenticates <c>Authorization: Bearer &lt;token&gt;</c> against a fixed set of static tokens.</summary>
internal sealed class TokenAuthenticator : IAuthenticator
{
    private readonly (byte[] Hash, UserInfo User)[] _entries;

    /// <summary>Takes the entries as given; <c>system:authenticated</c> is added to every user's groups.</summary>
    public TokenAuthenticator(IEnumerable<TokenEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries
            .Select(e => (Hash(e.Token), e.User with { Groups = WithAuthenticated(e.User.Groups) }))
            .ToArray();
    }

    /// <summary>Reads a <c>--token-auth-file</c> once; later edits to the file are not picked up.</summary>
    public static TokenAuthenticator FromFile(string path) => new(TokenFile.Parse(File.ReadAllText(path)));

    public ValueTask<UserInfo?> AuthenticateAsync(HttpContext ctx) => ValueTask.FromResult(Authenticate(ctx));

    public UserInfo? Authenticate(HttpContext ctx)
    {
        var token = ExtractBearer(ctx.Request.Headers[HeaderNames.Authorization]);
        return token is null ? null : Lookup(token);
    }

    /// <summary>
    /// Compares SHA-256 digests with FixedTimeEquals against every entry without stopping early, so neither the token
    /// length nor how many leading bytes match, nor which entry matched, shows in the timing.
    /// </summary>
    internal UserInfo? Lookup(string token)
    {
        var presented = Hash(token);
        UserInfo? found = null;
        foreach (var (hash, user) in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, hash))
            {
                found ??= user;
            }
        }

        return found;
    }

    /// <summary>
    /// Mirrors kube-apiserver's bearertoken authenticator: scheme compared case-insensitively, the token is the second
    /// space-separated part, anything else (several headers, empty token, other schemes) is no credential at all.
    /// </summary>
    internal static string? ExtractBearer(Microsoft.Extensions.Primitives.StringValues header)
    {
        if (header.Count != 1)
        {
            return null;
        }

        var value = header[0];
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var parts = value.Trim().Split(' ', 3);
        if (parts.Length < 2 || !parts[0].Equals("bearer", StringComparison.OrdinalIgnoreCase) || parts[1].Length == 0)
        {
            return null;
        }

        return parts[1];
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static IReadOnlyList<string> WithAuthenticated(IReadOnlyList<string> groups)
        => groups.Contains(SecurityNames.AuthenticatedGroup) ? groups : [.. groups, SecurityNames.AuthenticatedGroup];
}
