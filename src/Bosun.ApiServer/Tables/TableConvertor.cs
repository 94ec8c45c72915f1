using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables;

/// <summary>
/// Turns one stored object of a kind into a Table row: the column set and the cell values as kube-apiserver's printers
/// produce them. The server always prints as if <c>-o wide</c> was asked, so every column has a cell.
/// </summary>
internal sealed class TableConvertor
{
    private readonly Func<JsonObject, DateTimeOffset, object?[]> _cells;
    private readonly Func<JsonObject, TableRowCondition?>? _condition;
    private byte[]? _encodedColumns;

    public TableConvertor(
        IReadOnlyList<TableColumn> columns,
        Func<JsonObject, DateTimeOffset, object?[]> cells,
        Func<JsonObject, TableRowCondition?>? condition = null)
    {
        Columns = columns;
        _cells = cells;
        _condition = condition;
    }

    /// <summary>The column definitions, in cell order.</summary>
    public IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>The column definitions as a JSON array, serialised on first use and shared by every response after.</summary>
    internal ReadOnlyMemory<byte> EncodedColumns => _encodedColumns ??= TableWriter.EncodeColumns(Columns);

    /// <summary>The cells of the row for <paramref name="obj"/>; values are string, int, long or bool.</summary>
    public object?[] Cells(JsonObject obj, DateTimeOffset now) => _cells(obj, now);

    /// <summary>The row condition for <paramref name="obj"/>, or null when the kind has none (only pods have one).</summary>
    public TableRowCondition? Condition(JsonObject obj) => _condition?.Invoke(obj);
}
