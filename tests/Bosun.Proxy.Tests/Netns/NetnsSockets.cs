using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Bosun.Proxy.Tests.Netns;

/// <summary>
/// Sockets created inside a named network namespace: a socket belongs to the namespace of the thread that created
/// it, so a short-lived thread enters the namespace (setns), creates and binds the socket, and ends; the socket is
/// then used from anywhere. Lets one test process play pods, clients and servers in several namespaces.
/// </summary>
internal static class NetnsSockets
{
    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    /// <summary>Runs <paramref name="action"/> on a fresh thread inside <paramref name="netns"/> (sockets it creates live there).</summary>
    public static void RunIn(string netns, Action action)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{netns}");
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0) throw new IOException($"setns({netns}) failed: errno {Marshal.GetLastPInvokeError()}");
                action();
            }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
    }

    public static Socket Create(string netns, SocketType type, ProtocolType protocol, IPEndPoint? bind = null)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{netns}");
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0) throw new IOException($"setns({netns}) failed: errno {Marshal.GetLastPInvokeError()}");
                socket = new Socket(AddressFamily.InterNetwork, type, protocol);
                if (bind is not null) socket.Bind(bind);
            }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        return error is null ? socket! : throw error;
    }
}
