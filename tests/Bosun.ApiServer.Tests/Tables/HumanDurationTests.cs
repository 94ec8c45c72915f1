using Bosun.ApiServer.Tables;

namespace Bosun.ApiServer.Tests.Tables;

public sealed class HumanDurationTests
{
    [Theory]
    [InlineData(-3, "<invalid>")]
    [InlineData(-2, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(1, "1s")]
    [InlineData(59, "59s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(121, "2m1s")]
    [InlineData(9 * 60 + 59, "9m59s")]
    [InlineData(10 * 60, "10m")]
    [InlineData(10 * 60 + 30, "10m")]
    [InlineData(179 * 60 + 59, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 60, "3h1m")]
    [InlineData(7 * 3600 + 59 * 60, "7h59m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(8 * 3600 + 59 * 60, "8h")]
    [InlineData(47 * 3600 + 59 * 60, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(49 * 3600, "2d1h")]
    [InlineData(7 * 86400 + 23 * 3600, "7d23h")]
    [InlineData(8 * 86400, "8d")]
    [InlineData(729 * 86400, "729d")]
    [InlineData(730 * 86400, "2y")]
    [InlineData(731 * 86400, "2y1d")]
    [InlineData(8 * 365 * 86400 - 86400, "7y364d")]
    [InlineData(8 * 365 * 86400, "8y")]
    [InlineData(20 * 365 * 86400, "20y")]
    public void Format_Seconds_MatchesApimachinery(int seconds, string expected)
    {
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Format_FractionalNegativeSecond_TruncatesTowardsZero()
    {
        Assert.Equal("0s", HumanDuration.Format(TimeSpan.FromMilliseconds(-1900)));
    }

    [Fact]
    public void Since_MissingTimestamp_IsUnknown()
    {
        Assert.Equal("<unknown>", HumanDuration.Since(null, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Since_FutureTimestamp_IsInvalid()
    {
        var now = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
        Assert.Equal("<invalid>", HumanDuration.Since(now.AddMinutes(1), now));
    }
}
