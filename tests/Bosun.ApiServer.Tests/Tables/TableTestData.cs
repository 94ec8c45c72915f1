using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tests.Tables;

/// <summary>Fixed clock and JSON helpers shared by the table tests.</summary>
internal static class TableTestData
{
    public static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-25T22:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>An RFC 3339 timestamp <paramref name="ago"/> before <see cref="Now"/>.</summary>
    public static string Ago(TimeSpan ago) => (Now - ago).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
