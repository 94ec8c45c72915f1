using System.Globalization;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Registry;

/// <summary>Parses resourceVersion strings from requests.</summary>
internal static class Revision
{
    /// <summary>Null for an empty value; throws 400 for anything that is not a non-negative integer.</summary>
    public static long? Parse(string? value, string what = "resourceVersion")
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var rv)) return rv;
        throw ApiException.BadRequest($"invalid {what}: \"{value}\" is not a valid resource version");
    }
}
