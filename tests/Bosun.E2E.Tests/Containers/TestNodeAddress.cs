using System.Net;
using Bosun.Testing.Containers;

namespace Bosun.E2E.Tests.Containers;

/// <summary>
/// A node address of the test's own: a port-less bridge link (the kernel here has no dummy module) with one /32 from a free 10.200.0.0/13 block, removed at dispose.
/// Why not 127.0.0.1: pod traffic DNATed to the node-local cluster DNS on 127.0.0.1 and host traffic to a NodePort on
/// 127.0.0.1 DNATed out of the bridge both need <c>route_localnet=1</c> (kube-proxy's localhost NodePorts), a
/// host-wide sysctl other tests would see. A real address on a link the test made needs no sysctl at all.
/// </summary>
internal sealed class TestNodeAddress : IDisposable
{
    private TestNodeAddress(string link, IPAddress address)
    {
        Link = link;
        Address = address;
    }

    public string Link { get; }

    public IPAddress Address { get; }

    public static TestNodeAddress Create()
    {
        var link = "bn" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..4]);
        var address = IPAddress.Parse(ContainerdFixture.FreeSubnet().BaseAddress.ToString()[..^1] + "1");
        Check(HostCommand.Run("ip", "link", "add", link, "type", "bridge"));
        var created = new TestNodeAddress(link, address);
        try
        {
            Check(HostCommand.Run("ip", "addr", "add", $"{address}/32", "dev", link));
            Check(HostCommand.Run("ip", "link", "set", link, "up"));
            return created;
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }

    private static void Check((int ExitCode, string Output) result)
    {
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Output);
    }

    /// <summary>Deleting the link removes its address and the local routes the kernel made for it.</summary>
    public void Dispose() => HostCommand.Run("ip", "link", "del", Link);
}
