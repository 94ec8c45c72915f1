using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.ApiServer.Security;

/// <summary>The DNS names and IP addresses the API serving certificate must carry, and a check of a certificate against them.</summary>
internal sealed class ServingNames
{
    private ServingNames(IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses)
    {
        DnsNames = dnsNames;
        Addresses = addresses;
    }

    public IReadOnlyList<string> DnsNames { get; }

    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>Computes the required SANs: loopback, the in-cluster names, the first Service IP, host names/addresses and extras.</summary>
    public static ServingNames Compute(PkiOptions options)
    {
        var dns = new List<string> { "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc" };
        if (!string.IsNullOrEmpty(options.ClusterDomain))
        {
            dns.Add($"kubernetes.default.svc.{options.ClusterDomain.TrimEnd('.')}");
        }

        var ips = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback, FirstServiceIp(options.ServiceCidr) };
        if (options.IncludeHostAddresses)
        {
            AddHost(dns, ips);
        }

        foreach (var extra in options.ExtraSans)
        {
            var trimmed = extra.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (IPAddress.TryParse(trimmed, out var ip))
            {
                ips.Add(ip);
            }
            else
            {
                dns.Add(trimmed.ToLowerInvariant());
            }
        }

        return new ServingNames(
            dns.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            ips.Select(Normalize).Distinct().ToList());
    }

    /// <summary>The first usable address of the service CIDR, which kube-apiserver reserves for the <c>kubernetes</c> Service.</summary>
    public static IPAddress FirstServiceIp(string serviceCidr)
    {
        var network = IPNetwork.Parse(serviceCidr.Split(',')[0].Trim());
        var bytes = network.BaseAddress.GetAddressBytes();
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (++bytes[i] != 0)
            {
                break;
            }
        }

        return new IPAddress(bytes);
    }

    /// <summary>Whether <paramref name="cert"/> names every required DNS name and address.</summary>
    public bool AreCoveredBy(X509Certificate2 cert)
    {
        var ext = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (ext is null)
        {
            return false;
        }

        var haveDns = ext.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var haveIps = ext.EnumerateIPAddresses().Select(Normalize).ToHashSet();
        return DnsNames.All(haveDns.Contains) && Addresses.All(haveIps.Contains);
    }

    private static void AddHost(List<string> dns, List<IPAddress> ips)
    {
        var host = Dns.GetHostName();
        if (!string.IsNullOrEmpty(host))
        {
            dns.Add(host.ToLowerInvariant());
        }

        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;

                // Link-local IPv6 addresses need a zone id, so no client can reach the server by them; they also come and
                // go with pod veths, which would otherwise force a new certificate on each start.
                if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv6LinkLocal)
                {
                    continue;
                }

                ips.Add(address);
            }
        }
    }

    private static IPAddress Normalize(IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        // ScopeId throws for IPv4, so test the family first; a zone id never appears in a certificate and must not
        // make an otherwise equal address look missing.
        return plain.AddressFamily != AddressFamily.InterNetworkV6 || plain.ScopeId == 0
            ? plain
            : new IPAddress(plain.GetAddressBytes());
    }
}
