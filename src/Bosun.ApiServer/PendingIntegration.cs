// Temporary stand-ins for pieces being written on other branches; removed when they are merged.
using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Tables
{
    internal enum IncludeObjectPolicy { None, Metadata, Object }
    internal sealed class TableConvertor { }
    internal static class TableConvertors { public static TableConvertor For(string g, string r) => new(); }
    internal static class TableWriter
    {
        public static byte[] Write(TableConvertor c, IReadOnlyList<JsonObject> items, IncludeObjectPolicy p, string rv, string? cont, long? remaining, bool includeColumns, DateTimeOffset now) => [];
    }
}
