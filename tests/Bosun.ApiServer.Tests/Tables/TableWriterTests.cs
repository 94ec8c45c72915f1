using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Tables;
using static Bosun.ApiServer.Tests.Tables.TableTestData;

namespace Bosun.ApiServer.Tests.Tables;

public sealed class TableWriterTests
{
    private static readonly TableConvertor Pods = TableConvertors.For("", "pods");

    private static JsonObject Pod(string name, string rv) => Parse($$$$"""
        {"kind":"Pod","apiVersion":"v1",
         "metadata":{"name":"{{{{name}}}}","namespace":"default","uid":"u-{{{{name}}}}","resourceVersion":"{{{{rv}}}}","labels":{"run":"{{{{name}}}}"},"creationTimestamp":"2026-11-25T21:55:00Z"},
         "spec":{"containers":[{"name":"c"}]},"status":{"phase":"Pending"}}
        """);

    private static JsonObject Write(IncludeObjectPolicy include, TableListMeta meta) =>
        TableWriter.ToJsonObject(Pods, [Pod("a", "10"), Pod("b", "11")], meta, include, Now);

    [Fact]
    public void Write_DefaultMetadata_EmbedsPartialObjectMetadata()
    {
        var table = Write(IncludeObjectPolicy.Metadata, new TableListMeta("1008"));

        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)table["apiVersion"]);
        Assert.Equal("""{"resourceVersion":"1008"}""", table["metadata"]!.ToJsonString());
        Assert.Equal(9, table["columnDefinitions"]!.AsArray().Count);
        var rows = table["rows"]!.AsArray();
        Assert.Equal(2, rows.Count);
        var obj = rows[0]!["object"]!;
        Assert.Equal("PartialObjectMetadata", (string?)obj["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)obj["apiVersion"]);
        Assert.Equal("u-a", (string?)obj["metadata"]!["uid"]);
        Assert.Equal("a", (string?)obj["metadata"]!["labels"]!["run"]);
        Assert.Null(obj["spec"]);
        Assert.Equal(
            ["a", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
            rows[0]!["cells"]!.AsArray().Select(c => (string?)c));
    }

    [Fact]
    public void Write_IncludeObjectNone_RowsCarryNullObject()
    {
        var table = Write(IncludeObjectPolicy.None, new TableListMeta("1"));

        var row = table["rows"]!.AsArray()[0]!.AsObject();
        Assert.True(row.ContainsKey("object"));
        Assert.Null(row["object"]);
    }

    [Fact]
    public void Write_IncludeObjectObject_EmbedsFullObject()
    {
        var table = Write(IncludeObjectPolicy.Object, new TableListMeta("1"));

        var obj = table["rows"]!.AsArray()[1]!["object"]!;
        Assert.Equal("Pod", (string?)obj["kind"]);
        Assert.Equal("Pending", (string?)obj["status"]!["phase"]);
    }

    [Fact]
    public void Write_ContinueAndRemaining_WritesListMeta()
    {
        var table = Write(IncludeObjectPolicy.None, new TableListMeta("5", "tok", 3));

        Assert.Equal("""{"resourceVersion":"5","continue":"tok","remainingItemCount":3}""", table["metadata"]!.ToJsonString());
    }

    [Fact]
    public void Write_ColumnDefinitions_CarryAllFields()
    {
        var table = Write(IncludeObjectPolicy.None, new TableListMeta(null));

        var first = table["columnDefinitions"]!.AsArray()[0]!.AsObject();
        Assert.Equal(["name", "type", "format", "description", "priority"], first.Select(p => p.Key));
        Assert.Equal("Name", (string?)first["name"]);
        Assert.Equal("name", (string?)first["format"]);
        Assert.Equal(0, (int)first["priority"]!);
        Assert.Equal(1, (int)table["columnDefinitions"]!.AsArray()[5]!["priority"]!);
        Assert.Equal("{}", table["metadata"]!.ToJsonString());
    }

    [Fact]
    public void Write_SucceededPod_AddsCompletedRowCondition()
    {
        var pod = Pod("done", "3");
        pod["status"] = new JsonObject { ["phase"] = "Succeeded" };

        var table = TableWriter.ToJsonObject(Pods, [pod], new TableListMeta("3"), IncludeObjectPolicy.None, Now);

        var condition = table["rows"]!.AsArray()[0]!["conditions"]!.AsArray()[0]!;
        Assert.Equal("Completed", (string?)condition["type"]);
        Assert.Equal("Succeeded", (string?)condition["reason"]);
    }

    [Fact]
    public void Write_Output_KeepsPlaceholdersUnescaped()
    {
        var bytes = TableWriter.Write(Pods, [Pod("a", "1")], new TableListMeta("1"), IncludeObjectPolicy.None, Now);

        Assert.Contains("\"<none>\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_WatchEvents_OnlyFirstEventHasColumns()
    {
        var encoder = new TableWatchEncoder(Pods, IncludeObjectPolicy.Metadata);

        var first = Encoding.UTF8.GetString(encoder.Encode("ADDED", Pod("a", "1010"), Now));
        var second = Encoding.UTF8.GetString(encoder.Encode("MODIFIED", Pod("a", "1011"), Now));

        Assert.EndsWith("\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', first.TrimEnd('\n'));
        var e1 = JsonNode.Parse(first)!;
        var e2 = JsonNode.Parse(second)!;
        Assert.Equal("ADDED", (string?)e1["type"]);
        Assert.Equal("MODIFIED", (string?)e2["type"]);
        Assert.Equal(9, e1["object"]!["columnDefinitions"]!.AsArray().Count);
        Assert.Empty(e2["object"]!["columnDefinitions"]!.AsArray());
        Assert.Equal("1011", (string?)e2["object"]!["metadata"]!["resourceVersion"]);
        var rows = e2["object"]!["rows"]!.AsArray();
        Assert.Single(rows);
        Assert.Equal("PartialObjectMetadata", (string?)rows[0]!["object"]!["kind"]);
        Assert.Equal("a", (string?)rows[0]!["cells"]![0]);
    }

    [Fact]
    public async Task WriteAsync_ManyRowsWithSmallFlushSize_MatchesBufferedOutput()
    {
        var pods = Enumerable.Range(0, 10).Select(i => Pod("p" + i, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var expected = TableWriter.Write(Pods, pods, new TableListMeta("9", "next"), IncludeObjectPolicy.Metadata, Now);
        using var stream = new MemoryStream();
        var pipe = PipeWriter.Create(stream);

        await TableWriter.WriteAsync(pipe, Pods, pods, new TableListMeta("9", "next"), IncludeObjectPolicy.Metadata, Now, rowsPerFlush: 3);
        await pipe.CompleteAsync();

        Assert.Equal(expected, stream.ToArray());
    }
}
