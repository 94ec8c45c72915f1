using System.Text.RegularExpressions;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>Kubeconfigs for other identities on the same cluster: the admin kubeconfig's server and CA with another user.</summary>
internal static class UserKubeconfig
{
    /// <summary>Writes a kubeconfig whose user presents <paramref name="token"/>; returns its path.</summary>
    public static async Task<string> WithTokenAsync(ServerFixture fixture, string fileName, string token)
    {
        var admin = await File.ReadAllTextAsync(fixture.Server.KubeconfigPath);
        var ca = Regex.Match(admin, @"certificate-authority-data:\s*(\S+)").Groups[1].Value;
        var server = Regex.Match(admin, @"server:\s*""?([^""\s]+)""?").Groups[1].Value;
        var path = fixture.Temp.Combine(fileName);
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: bosun
              cluster:
                certificate-authority-data: {ca}
                server: {server}
            users:
            - name: user
              user:
                token: {token}
            contexts:
            - name: user@bosun
              context:
                cluster: bosun
                user: user
            current-context: user@bosun
            """);
        return path;
    }
}
