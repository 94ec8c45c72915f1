using System.Buffers.Binary;

namespace Bosun.Agent.Runtime;

/// <summary>Reads just enough of an ELF file to tell whether it is statically linked (no PT_INTERP program header).</summary>
internal static class ElfFile
{
    private const uint PtInterp = 3;

    public static bool IsStaticallyLinked(string path)
    {
        try
        {
            return IsStaticallyLinked(File.ReadAllBytes(path));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>False for anything that is not a 64-bit little-endian ELF file, or one that names an interpreter.</summary>
    public static bool IsStaticallyLinked(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') return false;
        if (elf[4] != 2 || elf[5] != 1) return false;   // ELFCLASS64, little-endian: all Debian amd64/arm64 binaries
        var phoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[32..]);
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[54..]);
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[56..]);
        for (var i = 0; i < phnum; i++)
        {
            var at = phoff + (ulong)(i * phentsize);
            if (at + 4 > (ulong)elf.Length) return false;
            if (BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)at..]) == PtInterp) return false;
        }
        return true;
    }
}
