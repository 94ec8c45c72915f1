using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.ApiServer.Security.Bootstrap;

/// <summary>
/// The command that joins a node: <c>bosun agent --server URL --token K10&lt;ca-sha256&gt;::&lt;id&gt;.&lt;secret&gt;</c>,
/// the CA hash (sha256 of the CA certificate's DER, hex) pinning the cluster CA as k3s tokens do, and the same hash in
/// kubeadm's <c>sha256:&lt;hex&gt;</c> form for <c>NodeBootstrap.JoinAsync</c>.
/// </summary>
public static class JoinCommand
{
    public static string CaHash(string caPem)
    {
        using var ca = X509Certificate2.CreateFromPem(caPem);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ca.RawData));
    }

    public static string Format(Uri server, string token, string caPem) =>
        $"bosun agent --server {server.ToString().TrimEnd('/')} --token K10{CaHash(caPem)["sha256:".Length..]}::{token}";

    /// <summary>
    /// The server's own join token in <c>&lt;state-dir&gt;/node-token</c> (0600), made on first start and kept; the
    /// caller makes sure its Secret exists.
    /// </summary>
    public static string EnsureNodeToken(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, "node-token");
        if (File.Exists(path) && BootstrapToken.Parse(File.ReadAllText(path).Trim()) is not null) return File.ReadAllText(path).Trim();
        var token = BootstrapToken.Generate();
        SecureFiles.WriteAllText(path, token + "\n", SecureFiles.Private);
        return token;
    }
}
