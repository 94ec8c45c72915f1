using System.Collections;
using System.Security.Cryptography;

namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>
/// A thread-safe set of taken offsets in <c>[0, size)</c>, the in-memory core of the ClusterIP and NodePort
/// allocators. Automatic allocation prefers the upper "dynamic" band and only falls back to the lower "static" band
/// when the upper one is full, so users who pick fixed values from the bottom of the range rarely collide with
/// automatic ones (KEP-3070 / KEP-3668). Within a band the search starts at a random offset, as Kubernetes does, so
/// that a released value is not handed out again at once.
/// </summary>
internal sealed class OffsetBitmap
{
    private readonly BitArray taken;
    private readonly Lock gate = new();
    private int count;

    /// <param name="size">How many values the range holds.</param>
    /// <param name="staticBand">How many of the lowest offsets automatic allocation avoids while it can.</param>
    public OffsetBitmap(int size, int staticBand)
    {
        Size = size;
        StaticBand = Math.Clamp(staticBand, 0, size);
        taken = new BitArray(size);
    }

    public int Size { get; }
    public int StaticBand { get; }

    public int Count
    {
        get { lock (gate) return count; }
    }

    /// <summary>Kubernetes' band size: size/step, kept between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static int BandFor(int size, int min, int max, int step) => Math.Max(min, Math.Min(size / step, max));

    /// <summary>Takes <paramref name="offset"/>; false when someone holds it. A dry run only checks.</summary>
    public bool TryTake(int offset, bool dryRun = false)
    {
        lock (gate)
        {
            if (taken[offset]) return false;
            if (!dryRun)
            {
                taken[offset] = true;
                count++;
            }
            return true;
        }
    }

    /// <summary>Takes a free offset (dynamic band first); null when the range is full. A dry run only finds one.</summary>
    public int? TakeNext(bool dryRun = false)
    {
        lock (gate)
        {
            var found = Scan(StaticBand, Size) ?? Scan(0, StaticBand);
            if (found is { } offset && !dryRun)
            {
                taken[offset] = true;
                count++;
            }
            return found;
        }
    }

    public void Release(int offset)
    {
        lock (gate)
        {
            if (!taken[offset]) return;
            taken[offset] = false;
            count--;
        }
    }

    public bool Has(int offset)
    {
        lock (gate) return taken[offset];
    }

    /// <summary>The bitmap as bytes, bit <c>i</c> at byte <c>i/8</c>, bit <c>i%8</c> (BitArray's order).</summary>
    public byte[] ToBytes()
    {
        lock (gate)
        {
            var bytes = new byte[(Size + 7) / 8];
            taken.CopyTo(bytes, 0);
            return bytes;
        }
    }

    /// <summary>Replaces the whole state with <paramref name="bytes"/> (as <see cref="ToBytes"/> wrote them); bits past the size are ignored.</summary>
    public void Load(ReadOnlySpan<byte> bytes)
    {
        lock (gate)
        {
            taken.SetAll(false);
            count = 0;
            for (var b = 0; b < bytes.Length && b * 8 < Size; b++)
            {
                if (bytes[b] == 0) continue;   // mostly empty: skip whole bytes
                for (var bit = 0; bit < 8 && b * 8 + bit < Size; bit++)
                {
                    if ((bytes[b] & (1 << bit)) == 0) continue;
                    taken[b * 8 + bit] = true;
                    count++;
                }
            }
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            taken.SetAll(false);
            count = 0;
        }
    }

    /// <summary>The taken offsets, in order.</summary>
    public List<int> Taken()
    {
        lock (gate)
        {
            var list = new List<int>(count);
            for (var i = 0; i < Size; i++) if (taken[i]) list.Add(i);
            return list;
        }
    }

    private int? Scan(int from, int to)
    {
        var length = to - from;
        if (length <= 0) return null;
        var start = RandomNumberGenerator.GetInt32(length);
        for (var i = 0; i < length; i++)
        {
            var offset = from + (start + i) % length;
            if (!taken[offset]) return offset;
        }
        return null;
    }
}
