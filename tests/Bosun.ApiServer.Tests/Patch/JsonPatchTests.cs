using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Patch;

namespace Bosun.ApiServer.Tests.Patch;

public sealed class JsonPatchTests
{
    private static JsonNode N(string json) => JsonNode.Parse(json)!;

    [Theory]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/b","value":2}]""", """{"a":1,"b":2}""")]
    [InlineData("""{"a":[1,2]}""", """[{"op":"add","path":"/a/-","value":3}]""", """{"a":[1,2,3]}""")]
    [InlineData("""{"a":[1,2]}""", """[{"op":"add","path":"/a/0","value":0}]""", """{"a":[0,1,2]}""")]
    [InlineData("""{"a":1,"b":2}""", """[{"op":"remove","path":"/a"}]""", """{"b":2}""")]
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"/a","value":5}]""", """{"a":5}""")]
    [InlineData("""{"a":{"x":1}}""", """[{"op":"move","from":"/a/x","path":"/y"}]""", """{"a":{},"y":1}""")]
    [InlineData("""{"a":1}""", """[{"op":"copy","from":"/a","path":"/b"}]""", """{"a":1,"b":1}""")]
    [InlineData("""{"a/b":1}""", """[{"op":"replace","path":"/a~1b","value":2}]""", """{"a/b":2}""")]
    [InlineData("""{"a":1}""", """[{"op":"test","path":"/a","value":1},{"op":"add","path":"/b","value":1}]""", """{"a":1,"b":1}""")]
    public void Apply_Operation_GivesExpectedDocument(string doc, string patch, string expected)
    {
        Assert.True(JsonNode.DeepEquals(N(expected), JsonPatch.Apply(N(doc), N(patch))));
    }

    [Fact]
    public void Apply_FailingTest_LeavesDocumentUnchanged()
    {
        var doc = N("""{"a":1}""");

        Assert.Throws<ApiException>(() => JsonPatch.Apply(doc, N("""[{"op":"add","path":"/b","value":1},{"op":"test","path":"/a","value":2}]""")));
        Assert.True(JsonNode.DeepEquals(N("""{"a":1}"""), doc));
    }

    [Theory]
    [InlineData("""[{"op":"remove","path":"/missing"}]""")]
    [InlineData("""[{"op":"bogus","path":"/a"}]""")]
    [InlineData("""[{"op":"add","path":"/a/9","value":1}]""")]
    [InlineData("""{"op":"add"}""")]
    public void Apply_BadPatch_Throws(string patch) =>
        Assert.Throws<ApiException>(() => JsonPatch.Apply(N("""{"a":[1]}"""), N(patch)));
}

public sealed class JsonMergePatchTests
{
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""{"metadata":{"labels":{"a":"1"}}}""", """{"metadata":{"labels":{"release":"canary"}}}""", """{"metadata":{"labels":{"a":"1","release":"canary"}}}""")]
    public void Apply_Rfc7386Cases(string target, string patch, string expected) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonMergePatch.Apply(JsonNode.Parse(target), JsonNode.Parse(patch))));
}
