using System.Security.Cryptography;
using System.Text;

namespace Bosun.Proxy.Rules;

/// <summary>
/// Chain names of the Kubernetes iptables layout. Per-service chains are a prefix plus 16 base32 characters of a
/// SHA-256 over the service port name and protocol (and the endpoint for KUBE-SEP), as kube-proxy names them, so the
/// names stay under iptables' 28-character limit and are stable across restarts.
/// </summary>
internal static class ChainNames
{
    public const string Services = "KUBE-SERVICES";
    public const string NodePorts = "KUBE-NODEPORTS";
    public const string MarkMasq = "KUBE-MARK-MASQ";
    public const string PostRouting = "KUBE-POSTROUTING";
    public const string ExternalServices = "KUBE-EXTERNAL-SERVICES";
    public const string Forward = "KUBE-FORWARD";

    /// <summary>Prefixes of chains that belong to one Service port; anything with them in our tables is ours.</summary>
    public static readonly string[] PerServicePrefixes = ["KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-SEP-"];

    public static readonly string[] Fixed = [Services, NodePorts, MarkMasq, PostRouting, ExternalServices, Forward];

    public static bool IsOurs(string chain) => Fixed.Contains(chain) || PerServicePrefixes.Any(chain.StartsWith);

    public static string Service(ServicePortInfo p) => "KUBE-SVC-" + Hash(p.Name + p.Protocol);

    public static string ServiceLocal(ServicePortInfo p) => "KUBE-SVL-" + Hash(p.Name + p.Protocol);

    public static string External(ServicePortInfo p) => "KUBE-EXT-" + Hash(p.Name + p.Protocol);

    public static string Endpoint(ServicePortInfo p, EndpointInfo e) => "KUBE-SEP-" + Hash(p.Name + p.Protocol + e.HostPort);

    private static string Hash(string input)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(input), digest);
        return Base32(digest)[..16];
    }

    private static string Base32(ReadOnlySpan<byte> data)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var sb = new StringBuilder(16);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = buffer << 8 | b;
            bits += 8;
            while (bits >= 5 && sb.Length < 16)
            {
                sb.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
            if (sb.Length == 16) break;
        }
        return sb.ToString();
    }
}
