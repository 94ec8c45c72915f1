using System.Net;
using System.Net.Sockets;
using Bosun.Agent.Runtime.Preflight;

namespace Bosun.Agent.Tests.Runtime.Preflight;

/// <summary>The real host's probes, on loopback sockets and a temp folder this test makes.</summary>
public sealed class SystemPreflightHostTests
{
    private readonly SystemPreflightHost _host = new();

    [Fact]
    public void CanBind_IsFalseForAPortSomeoneListensOn_AndTrueOnceItIsClosed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        Assert.False(_host.CanBind(endpoint, ProtocolType.Tcp));
        listener.Stop();
        Assert.True(_host.CanBind(endpoint, ProtocolType.Tcp));
    }

    [Fact]
    public void CanBind_IsFalseForAUdpPortInUse()
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.False(_host.CanBind((IPEndPoint)udp.Client.LocalEndPoint!, ProtocolType.Udp));
    }

    [Fact]
    public void WritableProblem_CreatesAMissingFolder_AndNamesAFileInTheWay()
    {
        var root = Directory.CreateTempSubdirectory("bosun-preflight-");
        try
        {
            Assert.Null(_host.WritableProblem(Path.Combine(root.FullName, "a", "b")));
            Assert.True(Directory.Exists(Path.Combine(root.FullName, "a", "b")));
            Assert.Empty(Directory.GetFiles(Path.Combine(root.FullName, "a", "b")));
            var file = Path.Combine(root.FullName, "file");
            File.WriteAllText(file, "");
            Assert.NotNull(_host.WritableProblem(Path.Combine(file, "sub")));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void ReadFile_IsNullForAMissingFile() => Assert.Null(_host.ReadFile("/proc/does-not-exist"));
}
