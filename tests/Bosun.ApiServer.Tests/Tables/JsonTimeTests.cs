using Bosun.ApiServer.Tables;
using static Bosun.ApiServer.Tests.Tables.TableTestData;

namespace Bosun.ApiServer.Tests.Tables;

public sealed class JsonTimeTests
{
    [Theory]
    [InlineData("2026-11-25T21:55:00Z", "2026-11-25T21:55:00.0000000+00:00")]
    [InlineData("2026-11-25T21:55:00.123456Z", "2026-11-25T21:55:00.1234560+00:00")]
    [InlineData("2026-11-25T22:55:00+01:00", "2026-11-25T22:55:00.0000000+01:00")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.0000000+00:00")]
    public void Time_Rfc3339Value_ParsesToInstant(string text, string expected)
    {
        var value = Bosun.ApiServer.Tables.Json.Time(Parse($$"""{"t":"{{text}}"}"""), "t");

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
    }

    [Theory]
    [InlineData("""{"t":""}""")]
    [InlineData("""{"t":null}""")]
    [InlineData("""{"t":"not a time"}""")]
    [InlineData("""{"t":"2026-02-30T00:00:00Z"}""")]
    [InlineData("""{}""")]
    public void Time_MissingOrInvalidValue_IsNull(string json)
    {
        Assert.Null(Bosun.ApiServer.Tables.Json.Time(Parse(json), "t"));
    }
}
