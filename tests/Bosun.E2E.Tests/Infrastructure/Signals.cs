using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>POSIX signals to one process id; .NET's Process only offers SIGKILL.</summary>
internal static class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public static void Send(int pid, int signal)
    {
        if (kill(pid, signal) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, {signal}) failed");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
