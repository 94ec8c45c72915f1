using System.IO.Pipelines;

namespace Bosun.Streaming.Tests;

/// <summary>An in-memory full-duplex connection: two streams, each reading what the other writes.</summary>
internal sealed class DuplexStream(Stream read, Stream write) : Stream
{
    public static (Stream A, Stream B) Pair()
    {
        var ab = new Pipe();
        var ba = new Pipe();
        return (new DuplexStream(ba.Reader.AsStream(), ab.Writer.AsStream()), new DuplexStream(ab.Reader.AsStream(), ba.Writer.AsStream()));
    }

    public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => read.ReadAsync(buffer, ct);
    public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => write.WriteAsync(buffer, ct);
    public override Task FlushAsync(CancellationToken ct) => write.FlushAsync(ct);
    public override void Flush() => write.Flush();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        read.Dispose();
        write.Dispose();
        base.Dispose(disposing);
    }
}
