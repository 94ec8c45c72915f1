using System.Net;
using System.Globalization;
using static Bosun.Proxy.Rules.ChainNames;

namespace Bosun.Proxy.Rules;

/// <summary>
/// The proxy's pure core: from the Service ports and node facts to every rule of our chains, in kube-proxy's
/// iptables layout (pkg/proxy/iptables/proxier.go). nat: KUBE-SERVICES matches a cluster IP/NodePort/external IP and
/// jumps to the port's KUBE-SVC (all endpoints), KUBE-SVL (this node's endpoints) or KUBE-EXT (external traffic)
/// chain, which picks a KUBE-SEP endpoint chain at random with equal shares; KUBE-SEP DNATs. Connections that need
/// SNAT are marked in KUBE-MARK-MASQ and masqueraded in KUBE-POSTROUTING. filter: KUBE-SERVICES and
/// KUBE-EXTERNAL-SERVICES REJECT traffic for Services without endpoints, KUBE-FORWARD accepts marked traffic.
/// </summary>
internal static class RuleBuilder
{
    public const string MasqMark = "0x4000";

    public static Ruleset Build(IEnumerable<ServicePortInfo> ports, NodeInfo node)
    {
        var rules = new Ruleset();
        AddFixedChains(rules, node);
        foreach (var port in ports.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Protocol, StringComparer.Ordinal))
            AddServicePort(rules, port, node);
        AddNodePortJumps(rules, node);
        return rules;
    }

    private static void AddFixedChains(Ruleset rules, NodeInfo node)
    {
        var nat = rules.Nat;
        nat.Chain(Services);
        nat.Chain(NodePorts);
        nat.Add(MarkMasq, $"-j MARK --or-mark {MasqMark}");
        nat.Add(PostRouting, $"-m mark ! --mark {MasqMark}/{MasqMark} -j RETURN");
        // Clear the mark so a packet that is re-routed (IPsec, tunnels) is not masqueraded twice.
        nat.Add(PostRouting, $"-j MARK --xor-mark {MasqMark}");
        nat.Add(PostRouting, "-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully");

        var filter = rules.Filter;
        filter.Chain(Services);
        filter.Chain(ExternalServices);
        if (node.LocalhostNodePorts)
        {
            // route_localnet makes 127.0.0.0/8 routable; only our DNATed NodePorts may use that, not other traffic.
            filter.Add(ExternalServices, "-m comment --comment \"block incoming localnet connections\" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP");
        }
        filter.Add(Forward, "-m conntrack --ctstate INVALID -j DROP");
        filter.Add(Forward, $"-m comment --comment \"kubernetes forwarding rules\" -m mark --mark {MasqMark}/{MasqMark} -j ACCEPT");
        filter.Add(Forward, "-m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
    }

    private static void AddServicePort(Ruleset rules, ServicePortInfo p, NodeInfo node)
    {
        var all = p.AllUsable;
        var local = p.LocalUsable;
        var proto = p.Protocol.ToLowerInvariant();
        var match = $"-p {proto} -m {proto} --dport {p.Port.ToString(CultureInfo.InvariantCulture)}";
        var internalEndpoints = p.InternalLocal ? local : all;
        var hasExternal = p.NodePort > 0 || p.ExternalIps.Count > 0;

        // KUBE-SVC: every usable endpoint; used by cluster-IP traffic (unless internalTrafficPolicy: Local) and by
        // external traffic (always for Cluster policy; for pods and the node itself under Local policy).
        var svcChain = Service(p);
        if (all.Count > 0 && (!p.InternalLocal || hasExternal))
            AddBalancer(rules.Nat, svcChain, p, all, p.InternalLocal ? null : node.ClusterCidr, match);
        var svlChain = ServiceLocal(p);
        if (local.Count > 0 && (p.InternalLocal || (p.ExternalLocal && hasExternal)))
            AddBalancer(rules.Nat, svlChain, p, local, p.InternalLocal ? node.ClusterCidr : null, match);

        var clusterIp = $"-m comment --comment \"{p.Name} cluster IP\" -d {p.ClusterIp}/32 {match}";
        if (internalEndpoints.Count > 0)
            rules.Nat.Add(Services, $"{clusterIp} -j {(p.InternalLocal ? svlChain : svcChain)}");
        else if (all.Count == 0)
            rules.Filter.Add(Services, $"-m comment --comment \"{p.Name} has no endpoints\" -d {p.ClusterIp}/32 {match} -j REJECT --reject-with icmp-port-unreachable");
        else
            rules.Filter.Add(Services, $"-m comment --comment \"{p.Name} has no local endpoints\" -d {p.ClusterIp}/32 {match} -j DROP");

        if (hasExternal) AddExternal(rules, p, node, all, local, svcChain, svlChain, proto);
    }

    /// <summary>
    /// A chain that balances over <paramref name="endpoints"/>: rule i of n jumps with probability 1/(n-i), so each
    /// endpoint gets an equal share; with ClientIP affinity, a client seen recently goes back to its endpoint first.
    /// </summary>
    private static void AddBalancer(TableRules nat, string chain, ServicePortInfo p, IReadOnlyList<EndpointInfo> endpoints, IPNetwork? masqueradeOutside, string match)
    {
        nat.Chain(chain);
        if (masqueradeOutside is { } cidr)
            nat.Add(chain, $"-m comment --comment \"{p.Name} cluster IP\" -d {p.ClusterIp}/32 {match} ! -s {cidr} -j {MarkMasq}");
        if (p.AffinitySeconds is { } seconds)
        {
            foreach (var e in endpoints)
            {
                var sep = Endpoint(p, e);
                nat.Add(chain, $"-m comment --comment \"{p.Name} -> {e.HostPort}\" -m recent --name {sep} --rcheck --seconds {seconds.ToString(CultureInfo.InvariantCulture)} --reap -j {sep}");
            }
        }
        for (var i = 0; i < endpoints.Count; i++)
        {
            var e = endpoints[i];
            var sep = Endpoint(p, e);
            var statistic = i < endpoints.Count - 1
                ? $" -m statistic --mode random --probability {(1.0 / (endpoints.Count - i)).ToString("F10", CultureInfo.InvariantCulture)}"
                : "";
            nat.Add(chain, $"-m comment --comment \"{p.Name} -> {e.HostPort}\"{statistic} -j {sep}");
            AddEndpoint(nat, sep, p, e);
        }
    }

    private static void AddEndpoint(TableRules nat, string sep, ServicePortInfo p, EndpointInfo e)
    {
        if (nat.Chains.ContainsKey(sep)) return;   // shared by KUBE-SVC and KUBE-SVL
        var proto = p.Protocol.ToLowerInvariant();
        // Hairpin: a pod reaching itself through its Service must be SNATed, or it would answer itself directly.
        nat.Add(sep, $"-m comment --comment {p.Name} -s {e.Ip}/32 -j {MarkMasq}");
        var affinity = p.AffinitySeconds is null ? "" : $" -m recent --name {sep} --set --rsource";
        nat.Add(sep, $"-m comment --comment {p.Name} -p {proto}{affinity} -m {proto} -j DNAT --to-destination {e.HostPort}");
    }

    private static void AddExternal(Ruleset rules, ServicePortInfo p, NodeInfo node, IReadOnlyList<EndpointInfo> all,
        IReadOnlyList<EndpointInfo> local, string svcChain, string svlChain, string proto)
    {
        var ext = External(p);
        var matches = new List<(string Nat, string Filter)>();
        if (p.NodePort > 0)
        {
            var np = $"-p {proto} -m {proto} --dport {p.NodePort.ToString(CultureInfo.InvariantCulture)}";
            matches.Add(($"{NodePorts}|-m comment --comment {p.Name} {np}", $"-m comment --comment \"{p.Name} {{0}}\" -m addrtype --dst-type LOCAL {np}"));
        }
        foreach (var ip in p.ExternalIps)
        {
            var eip = $"-d {ip}/32 -p {proto} -m {proto} --dport {p.Port.ToString(CultureInfo.InvariantCulture)}";
            matches.Add(($"{Services}|-m comment --comment \"{p.Name} external IP\" {eip}", $"-m comment --comment \"{p.Name} {{0}}\" {eip}"));
        }

        if (all.Count == 0)
        {
            foreach (var (_, filter) in matches)
                rules.Filter.Add(ExternalServices, string.Format(CultureInfo.InvariantCulture, filter, "has no endpoints") + " -j REJECT --reject-with icmp-port-unreachable");
            return;
        }
        foreach (var (nat, _) in matches)
        {
            var bar = nat.IndexOf('|');
            rules.Nat.Add(nat[..bar], $"{nat[(bar + 1)..]} -j {ext}");
        }
        if (!p.ExternalLocal)
        {
            rules.Nat.Add(ext, $"-m comment --comment \"masquerade traffic for {p.Name} external destinations\" -j {MarkMasq}");
            rules.Nat.Add(ext, $"-j {svcChain}");
            return;
        }
        // externalTrafficPolicy: Local keeps the client's source address by only using this node's endpoints; pods
        // and the node itself may still use any endpoint (upstream's "short-circuit" rules).
        if (node.ClusterCidr is { } cidr)
            rules.Nat.Add(ext, $"-m comment --comment \"pod traffic for {p.Name} external destinations\" -s {cidr} -j {svcChain}");
        rules.Nat.Add(ext, $"-m comment --comment \"masquerade LOCAL traffic for {p.Name} external destinations\" -m addrtype --src-type LOCAL -j {MarkMasq}");
        rules.Nat.Add(ext, $"-m comment --comment \"route LOCAL traffic for {p.Name} external destinations\" -m addrtype --src-type LOCAL -j {svcChain}");
        if (local.Count > 0) rules.Nat.Add(ext, $"-j {svlChain}");
        else
        {
            foreach (var (_, filter) in matches)
                rules.Filter.Add(ExternalServices, string.Format(CultureInfo.InvariantCulture, filter, "has no local endpoints") + " -j DROP");
        }
    }

    /// <summary>The NodePort dispatch, last in KUBE-SERVICES: on the node's addresses (all local ones when none given).</summary>
    private static void AddNodePortJumps(Ruleset rules, NodeInfo node)
    {
        const string comment = "-m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\"";
        if (node.Addresses.Count == 0)
        {
            rules.Nat.Add(Services, $"{comment} -m addrtype --dst-type LOCAL -j {NodePorts}");
            return;
        }
        foreach (var address in node.Addresses.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
            rules.Nat.Add(Services, $"{comment} -d {address}/32 -j {NodePorts}");
        if (node.LocalhostNodePorts) rules.Nat.Add(Services, $"{comment} -d 127.0.0.0/8 -j {NodePorts}");
    }
}
