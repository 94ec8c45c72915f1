namespace Bosun.Streaming.Spdy;

/// <summary>A SPDY/3.1 frame (draft 3.1 §2.2): data frames and the control frames a k8s stream connection uses.</summary>
public abstract record SpdyFrame;

public sealed record SpdyDataFrame(uint StreamId, bool Fin, ReadOnlyMemory<byte> Data) : SpdyFrame;

public sealed record SpdySynStream(uint StreamId, uint AssociatedStreamId, byte Priority, bool Fin, bool Unidirectional, SpdyHeaders Headers) : SpdyFrame;

public sealed record SpdySynReply(uint StreamId, bool Fin, SpdyHeaders Headers) : SpdyFrame;

public sealed record SpdyRstStream(uint StreamId, uint Status) : SpdyFrame;

public sealed record SpdySettings(IReadOnlyList<(byte Flags, uint Id, uint Value)> Entries) : SpdyFrame;

public sealed record SpdyPing(uint Id) : SpdyFrame;

public sealed record SpdyGoAway(uint LastGoodStreamId, uint Status) : SpdyFrame;

public sealed record SpdyHeadersFrame(uint StreamId, bool Fin, SpdyHeaders Headers) : SpdyFrame;

public sealed record SpdyWindowUpdate(uint StreamId, uint Delta) : SpdyFrame;

/// <summary>A control frame type this implementation does not interpret (CREDENTIAL, unknown); skipped.</summary>
public sealed record SpdyUnknownControl(ushort Type) : SpdyFrame;

internal static class SpdyFrameType
{
    public const ushort Version = 3;
    public const ushort SynStream = 1;
    public const ushort SynReply = 2;
    public const ushort RstStream = 3;
    public const ushort Settings = 4;
    public const ushort Ping = 6;
    public const ushort GoAway = 7;
    public const ushort Headers = 8;
    public const ushort WindowUpdate = 9;
    public const byte FlagFin = 0x01;
    public const byte FlagUnidirectional = 0x02;
}
