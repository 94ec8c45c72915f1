using System.Net;

namespace Bosun.ApiServer.Security;

/// <summary>
/// <c>bosun certificate etcd</c>: an etcd member's certificate set from the cluster's etcd CAs (k3s's layout: one CA for
/// client traffic, one for peer traffic), for users who run their own etcd (e.g. Debian's) and want Bosun to talk to it
/// over mutual TLS. Files written to the output directory, keys 0600:
/// <c>server-ca.crt</c>, <c>server.crt/key</c> (client URLs), <c>peer-ca.crt</c>, <c>peer.crt/key</c> (peer URLs), and
/// <c>client.crt/key</c> (what <c>bosun server --datastore-certfile/--datastore-keyfile</c> presents).
/// </summary>
public static class EtcdCertificates
{
    public const string ClientUser = "bosun-apiserver-etcd-client";

    /// <summary>Writes the set; <paramref name="hosts"/> are the member's names and addresses (localhost and 127.0.0.1 are always in).</summary>
    public static IReadOnlyList<string> Write(string tlsDir, string outDir, string memberName, IEnumerable<string> hosts, TimeProvider time)
    {
        var now = time.GetUtcNow();
        using var serverCa = ClusterPki.LoadOrCreateCa(tlsDir, ClusterPki.EtcdServerCaCertFile, ClusterPki.EtcdServerCaKeyFile, "bosun-etcd-server-ca", now);
        using var peerCa = ClusterPki.LoadOrCreateCa(tlsDir, ClusterPki.EtcdPeerCaCertFile, ClusterPki.EtcdPeerCaKeyFile, "bosun-etcd-peer-ca", now);
        var dns = new List<string> { "localhost" };
        var ips = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        foreach (var host in hosts.Select(h => h.Trim()).Where(h => h.Length > 0))
        {
            if (IPAddress.TryParse(host, out var ip)) ips.Add(ip);
            else dns.Add(host);
        }

        SecureFiles.EnsureDirectory(outDir);
        using var server = CertificateFactory.CreateServerAndClient(serverCa, memberName, dns, ips, now, ClusterPki.LeafValidity);
        using var peer = CertificateFactory.CreateServerAndClient(peerCa, memberName, dns, ips, now, ClusterPki.LeafValidity);
        using var client = CertificateFactory.CreateClient(serverCa, ClientUser, [], now, ClusterPki.LeafValidity);
        ClusterPki.Save(outDir, "server.crt", "server.key", server);
        ClusterPki.Save(outDir, "peer.crt", "peer.key", peer);
        ClusterPki.Save(outDir, "client.crt", "client.key", client);
        SecureFiles.WriteAllText(Path.Combine(outDir, "server-ca.crt"), CertificateFactory.CertificatePem(serverCa), SecureFiles.Public);
        SecureFiles.WriteAllText(Path.Combine(outDir, "peer-ca.crt"), CertificateFactory.CertificatePem(peerCa), SecureFiles.Public);
        return ["server-ca.crt", "server.crt", "server.key", "peer-ca.crt", "peer.crt", "peer.key", "client.crt", "client.key"];
    }
}
