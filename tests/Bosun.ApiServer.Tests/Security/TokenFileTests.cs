using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // File modes are a Unix concept.
public sealed class TokenFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EnsureAdminToken_Missing_CreatesHexTokenFileWith0600()
    {
        var path = _dir.Combine("server", "token");

        var token = TokenFile.EnsureAdminToken(path);

        Assert.Matches("^[0-9a-f]{64}$", token);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.StartsWith($"{token},system:admin,", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureAdminToken_Existing_ReturnsSameToken()
    {
        var path = _dir.Combine("token");
        var first = TokenFile.EnsureAdminToken(path);

        Assert.Equal(first, TokenFile.EnsureAdminToken(path));
    }

    [Fact]
    public void Parse_KubeApiserverFormat_ReadsQuotedGroupsAndSkipsCommentsAndBadLines()
    {
        const string text = "# comment\n\ntok1,alice,u1,\"g1,g2\"\r\ntok2,bob,u2\nonlytwo,fields\n,empty,u3\ntok3,\"carol \"\"c\"\"\",u4,g3\n";

        var entries = TokenFile.Parse(text);

        Assert.Equal(3, entries.Count);
        Assert.Equal(new UserInfo("alice", "u1", ["g1", "g2"]).Groups, entries[0].User.Groups);
        Assert.Equal("tok1", entries[0].Token);
        Assert.Empty(entries[1].User.Groups);
        Assert.Equal("carol \"c\"", entries[2].User.Name);
        Assert.Equal(["g3"], entries[2].User.Groups);
    }
}
