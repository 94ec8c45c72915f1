using System.Text;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Http;

namespace Bosun.ApiServer.Tests.Http;

public sealed class RequestBodyTests
{
    [Theory]
    [InlineData("""{"a":1,"a":2}""", "a")]
    [InlineData("""{"metadata":{"name":"x","labels":{"k":"1","k":"2"}}}""", "k")]
    [InlineData("""{"x":{"n":1},"y":{"n":1,"n":2}}""", "n")]
    [InlineData("""{"list":[{"n":1},{"n":2,"n":3}]}""", "n")]
    public void DuplicateMember_IsABadRequestNamingIt(string json, string name)
    {
        var e = Assert.Throws<ApiException>(() => RequestBody.ParseJsonObject(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(400, e.Code);
        Assert.Contains($"duplicate field \"{name}\"", e.Message);
    }

    [Theory]
    [InlineData("""{"x":{"n":1},"y":{"n":1}}""")]
    [InlineData("""{"list":[{"n":1},{"n":2}],"n":3}""")]
    [InlineData("""{"s":"caf\u00e9 ☃","t":"plain","u":"esc\"aped"}""")]
    public void SameNameInSiblingObjectsAndValidStrings_AreAccepted(string json)
    {
        var obj = RequestBody.ParseJsonObject(Encoding.UTF8.GetBytes(json));

        Assert.NotEmpty(obj);
    }

    [Fact]
    public void ABodyRejectedHalfWay_LeavesNoNamesForTheNextBody()
    {
        Assert.Throws<ApiException>(() => RequestBody.ParseJsonObject("""{"a":{"b":1,"b":2}}"""u8));

        var obj = RequestBody.ParseJsonObject("""{"a":{"b":1}}"""u8);

        Assert.Equal(1, obj.Obj("a").Long("b"));
    }

    [Theory]
    [InlineData("""{"s":"\ud800"}""")]
    [InlineData("""{"\udc00":"v"}""")]
    public void LoneSurrogateEscape_IsABadRequest(string json)
    {
        var e = Assert.Throws<ApiException>(() => RequestBody.ParseJsonObject(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(400, e.Code);
    }

    [Fact]
    public void InvalidUtf8InAString_IsABadRequest()
    {
        byte[] json = [.. """{"s":"a"""u8, 0xC3, 0x28, .. "\"}"u8];

        var e = Assert.Throws<ApiException>(() => RequestBody.ParseJsonObject(json));

        Assert.Equal(400, e.Code);
    }
}
