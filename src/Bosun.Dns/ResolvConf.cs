using System.Net;

namespace Bosun.Dns;

/// <summary>Reads the host's resolvers from resolv.conf (<c>nameserver</c> lines), the upstreams CoreDNS's <c>forward . /etc/resolv.conf</c> uses.</summary>
internal static class ResolvConf
{
    public static List<IPEndPoint> Nameservers(string text)
    {
        var result = new List<IPEndPoint>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#', ';')[0].Trim();
            var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0] == "nameserver" && IPAddress.TryParse(parts[1].Split('%')[0], out var ip))
                result.Add(new IPEndPoint(ip, 53));
        }
        return result;
    }

    public static List<IPEndPoint> Read(string path) => File.Exists(path) ? Nameservers(File.ReadAllText(path)) : [];
}
