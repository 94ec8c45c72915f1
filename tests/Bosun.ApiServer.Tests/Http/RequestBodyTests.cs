using System.Text;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Http;
using Microsoft.AspNetCore.Http;

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

    /// <summary>A body that arrives a few bytes per read, as HTTP/2 DATA frames and TLS records cut it.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], ct);
    }

    private static HttpRequest Request(byte[] body, bool declareLength)
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.Body = new TrickleStream(body, 7);
        if (declareLength) ctx.Request.ContentLength = body.Length;
        return ctx.Request;
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(830, true)]
    [InlineData(40_000, true)]
    [InlineData(0, false)]
    [InlineData(830, false)]
    [InlineData(40_000, false)]
    public async Task ReadBytes_ReturnsTheWholeBodyWhetherOrNotItsLengthIsDeclared(int size, bool declareLength)
    {
        var body = Enumerable.Range(0, size).Select(i => (byte)(i * 31)).ToArray();

        var read = await RequestBody.ReadBytesAsync(Request(body, declareLength), CancellationToken.None);

        Assert.Equal(body, read);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadBytes_OverThreeMebibytes_IsRequestEntityTooLarge(bool declareLength)
    {
        var body = new byte[RequestBody.MaxBytes + 1];

        var e = await Assert.ThrowsAsync<ApiException>(() => RequestBody.ReadBytesAsync(Request(body, declareLength), CancellationToken.None));

        Assert.Equal(413, e.Code);
    }

    [Fact]
    public async Task ReadBytes_ShorterThanDeclared_ReturnsWhatArrived()
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.Body = new MemoryStream("{}"u8.ToArray());
        ctx.Request.ContentLength = 10;

        var read = await RequestBody.ReadBytesAsync(ctx.Request, CancellationToken.None);

        Assert.Equal("{}"u8.ToArray(), read);
    }
}
