using Bosun.Agent.Runtime;

namespace Bosun.Agent.Tests.Runtime;

public sealed class ElfFileTests
{
    [Fact]
    public void IsStaticallyLinked_DynamicExecutable_IsFalse() =>
        Assert.False(ElfFile.IsStaticallyLinked("/bin/ls"));   // every Debian /bin/ls has an interpreter

    [Fact]
    public void IsStaticallyLinked_NotElf_IsFalse() =>
        Assert.False(ElfFile.IsStaticallyLinked("#!/bin/sh\necho hi\n"u8.ToArray().Concat(new byte[64]).ToArray()));

    [Fact]
    public void IsStaticallyLinked_ElfWithoutInterpreterHeader_IsTrue()
    {
        var elf = MinimalElf(programHeaderTypes: [1, 1]);   // two PT_LOAD
        Assert.True(ElfFile.IsStaticallyLinked(elf));
    }

    [Fact]
    public void IsStaticallyLinked_ElfWithInterpreterHeader_IsFalse()
    {
        var elf = MinimalElf(programHeaderTypes: [6, 3, 1]);   // PT_PHDR, PT_INTERP, PT_LOAD
        Assert.False(ElfFile.IsStaticallyLinked(elf));
    }

    private static byte[] MinimalElf(uint[] programHeaderTypes)
    {
        const int phoff = 64, phentsize = 56;
        var bytes = new byte[phoff + phentsize * programHeaderTypes.Length];
        bytes[0] = 0x7f; bytes[1] = (byte)'E'; bytes[2] = (byte)'L'; bytes[3] = (byte)'F'; bytes[4] = 2; bytes[5] = 1;
        BitConverter.TryWriteBytes(bytes.AsSpan(32), (ulong)phoff);
        BitConverter.TryWriteBytes(bytes.AsSpan(54), (ushort)phentsize);
        BitConverter.TryWriteBytes(bytes.AsSpan(56), (ushort)programHeaderTypes.Length);
        for (var i = 0; i < programHeaderTypes.Length; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(phoff + i * phentsize), programHeaderTypes[i]);
        return bytes;
    }
}
