namespace Bosun.ApiServer.Security;

/// <summary>One line of a token file: the secret token and the identity it stands for.</summary>
internal sealed record TokenEntry(string Token, UserInfo User);
