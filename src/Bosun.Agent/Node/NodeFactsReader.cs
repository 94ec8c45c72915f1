using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Bosun.Agent.Node;

/// <summary>Reads the node's facts and health from /proc, /etc and the network interfaces.</summary>
internal static class NodeFactsReader
{
    public static NodeFacts Read(string dataDir, string? nodeIp, string runtimeVersion)
    {
        Directory.CreateDirectory(dataDir);
        return new NodeFacts
        {
            Hostname = Dns.GetHostName().ToLowerInvariant(),
            InternalIp = nodeIp ?? DefaultIp(),
            Cpus = Environment.ProcessorCount,
            MemoryBytes = MemInfo("MemTotal") ?? 0,
            EphemeralStorageBytes = new DriveInfo(dataDir).TotalSize,
            KernelVersion = ReadTrimmed("/proc/sys/kernel/osrelease"),
            OsImage = OsImage(),
            Architecture = RuntimeInformation.OSArchitecture switch
            {
                Architecture.Arm64 => "arm64",
                Architecture.Arm => "arm",
                _ => "amd64",
            },
            MachineId = ReadTrimmed("/etc/machine-id"),
            BootId = ReadTrimmed("/proc/sys/kernel/random/boot_id"),
            ContainerRuntimeVersion = runtimeVersion,
        };
    }

    public static NodeHealth Health(string dataDir, bool runtimeReady, bool networkReady, string message)
    {
        var drive = new DriveInfo(dataDir);
        return new NodeHealth
        {
            RuntimeReady = runtimeReady,
            NetworkReady = networkReady,
            RuntimeMessage = message,
            MemoryAvailableBytes = MemInfo("MemAvailable") ?? long.MaxValue,
            DiskAvailableFraction = drive.TotalSize == 0 ? 1 : (double)drive.AvailableFreeSpace / drive.TotalSize,
            PidsAvailableFraction = PidsAvailable(),
        };
    }

    /// <summary>PRETTY_NAME from /etc/os-release, e.g. "Debian GNU/Linux 12 (bookworm)".</summary>
    internal static string OsImage(string path = "/etc/os-release")
    {
        if (!File.Exists(path)) return "Unknown";
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) return line["PRETTY_NAME=".Length..].Trim('"');
        return "Unknown";
    }

    /// <summary>The IPv4 address of the interface holding the default route, else the first non-loopback one, else 127.0.0.1.</summary>
    internal static string DefaultIp()
    {
        var up = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .Select(n => n.GetIPProperties())
            .ToList();
        var withGateway = up.Where(p => p.GatewayAddresses.Any(g => g.Address.AddressFamily == AddressFamily.InterNetwork && !g.Address.Equals(IPAddress.Any)));
        foreach (var props in withGateway.Concat(up))
            foreach (var a in props.UnicastAddresses)
                if (a.Address.AddressFamily == AddressFamily.InterNetwork) return a.Address.ToString();
        return "127.0.0.1";
    }

    private static long? MemInfo(string key)
    {
        if (!File.Exists("/proc/meminfo")) return null;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (!line.StartsWith(key + ":", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.TryParse(parts[1], out var kb) ? kb * 1024 : null;
        }
        return null;
    }

    private static double PidsAvailable()
    {
        if (!long.TryParse(ReadTrimmed("/proc/sys/kernel/pid_max"), out var max) || max == 0) return 1;
        var used = Directory.Exists("/proc") ? Directory.GetDirectories("/proc").Count(d => char.IsDigit(Path.GetFileName(d)[0])) : 0;
        return 1 - (double)used / max;
    }

    private static string ReadTrimmed(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "";
}
