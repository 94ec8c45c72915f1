using System.Buffers;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables;

/// <summary>
/// Per-watch state for Table watches: the first event carries the column definitions and later ones do not, as
/// kube-apiserver does, so kubectl prints the header once. One instance per watch connection; not thread-safe.
/// </summary>
internal sealed class TableWatchEncoder
{
    private readonly TableConvertor _convertor;
    private readonly IncludeObjectPolicy _include;
    private bool _columnsSent;

    public TableWatchEncoder(TableConvertor convertor, IncludeObjectPolicy include)
    {
        _convertor = convertor;
        _include = include;
    }

    /// <summary>Writes one event line (<c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c>) for <paramref name="obj"/>.</summary>
    public void Encode(IBufferWriter<byte> output, string type, JsonObject obj, DateTimeOffset now)
    {
        TableWriter.WriteWatchEvent(output, type, _convertor, obj, !_columnsSent, _include, now);
        _columnsSent = true;
    }

    /// <summary>Convenience form of <see cref="Encode(IBufferWriter{byte}, string, JsonObject, DateTimeOffset)"/> returning the bytes.</summary>
    public byte[] Encode(string type, JsonObject obj, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Encode(buffer, type, obj, now);
        return buffer.WrittenSpan.ToArray();
    }
}
