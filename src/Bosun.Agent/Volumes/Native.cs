using System.Runtime.InteropServices;

namespace Bosun.Agent.Volumes;

/// <summary>The few libc calls volumes need that .NET does not wrap: mount(2), umount2(2) and the file type from stat(2).</summary>
internal static partial class Native
{
    public const ulong MsNoSuid = 2;
    public const ulong MsNoDev = 4;
    public const int MntDetach = 2;

    // st_mode's file-type bits (S_IFMT and friends).
    public const uint TypeMask = 0xF000;
    public const uint Socket = 0xC000;
    public const uint Link = 0xA000;
    public const uint Regular = 0x8000;
    public const uint Block = 0x6000;
    public const uint Directory = 0x4000;
    public const uint Char = 0x2000;
    public const uint Fifo = 0x1000;

    [DllImport("libc", EntryPoint = "mount", SetLastError = true)]
    private static extern int MountSys(string source, string target, string fsType, ulong flags, string? data);

    [DllImport("libc", EntryPoint = "umount2", SetLastError = true)]
    private static extern int Umount2Sys(string target, int flags);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameSys(string from, string to);

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int StatSys(string path, byte[] buffer);

    public static void Mount(string source, string target, string fsType, ulong flags, string? data)
    {
        if (MountSys(source, target, fsType, flags, data) != 0)
            throw new VolumeSetupException($"mount {fsType} at {target} failed: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    public static void Unmount(string target)
    {
        if (Umount2Sys(target, 0) != 0 && Umount2Sys(target, MntDetach) != 0)
            throw new IOException($"unmount {target} failed: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>rename(2): atomically replaces <paramref name="to"/>, also when both are symlinks (File.Move follows them).</summary>
    public static void Rename(string from, string to)
    {
        if (RenameSys(from, to) != 0) throw new IOException($"rename {from} to {to} failed: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>The S_IFMT bits of <paramref name="path"/> (symlinks followed), or null when it does not exist.</summary>
    public static uint? FileType(string path)
    {
        var buffer = new byte[256];
        if (StatSys(path, buffer) != 0) return null;
        // struct stat: st_mode follows dev, ino and nlink on x86-64; dev and ino on the generic layout (arm64).
        var offset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        return BitConverter.ToUInt32(buffer, offset) & TypeMask;
    }

    public static bool IsRoot => Environment.IsPrivilegedProcess;
}
