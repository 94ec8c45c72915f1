using Bosun.Client.Processes;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Bosun.Agent.Runtime;

/// <summary>
/// The node's CNI network: one conflist with the bridge plugin (gateway, masquerade, hairpin) over host-local IPAM for
/// the node's podCIDR, then portmap for hostPorts. Loopback is not listed: containerd's CRI runs
/// <c>/usr/lib/cni/loopback</c> itself (cri-containerd.md §3). containerd watches the directory, so a rewritten file
/// (new podCIDR) applies to the next sandbox without a restart.
/// </summary>
internal static class CniConfig
{
    public const string FileName = "10-bosun.conflist";
    public const string NetworkName = "bosun";
    public const string DefaultBridge = "bosun0";

    /// <summary>
    /// Writes the conflist for <paramref name="podCidr"/> when it differs from what is on disk (atomically, by rename);
    /// returns true when the file changed. When an earlier podCIDR is replaced, its gateway address is removed from the
    /// bridge: the bridge plugin refuses a bridge that already has another address ("already has an IP address
    /// different from …"). Pods started in the old range keep running but lose their gateway; upstream never meets
    /// this because a Node's podCIDR does not change once set, and the agent only changes it once (its own default →
    /// the IPAM controller's).
    /// </summary>
    public static bool Write(AgentPaths paths, string podCidr, string bridge = DefaultBridge, bool ipMasq = true)
    {
        var text = Render(podCidr, bridge, paths.CniIpamDir, ipMasq);
        var file = Path.Combine(paths.CniConfigDir, FileName);
        var previous = File.Exists(file) ? File.ReadAllText(file) : null;
        if (previous == text) return false;
        Directory.CreateDirectory(paths.CniConfigDir);
        Directory.CreateDirectory(paths.CniIpamDir);
        var temp = file + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, file, overwrite: true);
        if (previous is not null && ReadPodCidr(previous) is { } old && old != podCidr && IPNetwork.TryParse(old, out var oldNetwork))
            DeleteBridgeAddress($"{Gateway(oldNetwork)}/{oldNetwork.PrefixLength}", bridge);
        return true;
    }

    private static void DeleteBridgeAddress(string address, string bridge)
    {
        // Fails harmlessly when the bridge does not exist (yet) or lacks the address: the exit code is not looked at.
        try { ProcessRunner.Run(new ProcessRun("ip", ["addr", "del", address, "dev", bridge]) { Timeout = TimeSpan.FromSeconds(10) }); }
        catch (ProcessRunException) { /* no ip tool: nothing was configured by it either */ }
    }

    /// <summary>
    /// The conflist JSON. Throws <see cref="ArgumentException"/> for a podCIDR that is not an IPv4 network.
    /// <paramref name="ipMasq"/> off when the agent's pod network masquerades instead: the bridge plugin's rule covers
    /// everything outside this node's podCIDR, other nodes' pods included.
    /// </summary>
    public static string Render(string podCidr, string bridge, string ipamDataDir, bool ipMasq = true)
    {
        if (!IPNetwork.TryParse(podCidr, out var network) || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"podCIDR must be an IPv4 network such as 10.244.0.0/24, got \"{podCidr}\"", nameof(podCidr));
        if (network.PrefixLength > 30)
            throw new ArgumentException($"podCIDR {podCidr} is too small for a gateway and pods", nameof(podCidr));
        if (bridge.Length is 0 or > 15 || bridge.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ArgumentException($"bridge name must be 1-15 letters, digits, '-', '_' or '.', got \"{bridge}\"", nameof(bridge));

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("cniVersion", "1.0.0");
            w.WriteString("name", NetworkName);
            w.WriteStartArray("plugins");

            w.WriteStartObject();
            w.WriteString("type", "bridge");
            w.WriteString("bridge", bridge);
            w.WriteBoolean("isGateway", true);
            w.WriteBoolean("ipMasq", ipMasq);
            w.WriteBoolean("hairpinMode", true);
            w.WriteStartObject("ipam");
            w.WriteString("type", "host-local");
            w.WriteStartArray("ranges");
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("subnet", $"{network.BaseAddress}/{network.PrefixLength}");
            w.WriteString("gateway", Gateway(network).ToString());
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndArray();
            w.WriteStartArray("routes");
            w.WriteStartObject();
            w.WriteString("dst", "0.0.0.0/0");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("dataDir", ipamDataDir);
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject();
            w.WriteString("type", "portmap");
            w.WriteStartObject("capabilities");
            w.WriteBoolean("portMappings", true);
            w.WriteEndObject();
            w.WriteBoolean("snat", true);
            w.WriteEndObject();

            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The podCIDR a conflist written by <see cref="Render"/> is for, or null when it is not one of ours.</summary>
    public static string? ReadPodCidr(string conflist)
    {
        try
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(conflist);
            return (string?)json?["plugins"]?[0]?["ipam"]?["ranges"]?[0]?[0]?["subnet"];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The podCIDR currently written for the node, or null.</summary>
    public static string? CurrentPodCidr(AgentPaths paths)
    {
        var file = Path.Combine(paths.CniConfigDir, FileName);
        return File.Exists(file) ? ReadPodCidr(File.ReadAllText(file)) : null;
    }

    /// <summary>The bridge's address: the first host address of the podCIDR (as the bridge plugin's default).</summary>
    public static IPAddress Gateway(IPNetwork network)
    {
        var bytes = network.BaseAddress.GetAddressBytes();
        bytes[3]++;
        return new IPAddress(bytes);
    }
}
