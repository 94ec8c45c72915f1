using System.Globalization;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>Query-string parsing with Go's rules (kubectl and client-go are Go; the Python client sends <c>True</c>).</summary>
internal static class QueryParams
{
    public static string? Get(this IQueryCollection q, string name) => q.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>Go's strconv.ParseBool: 1, t, T, TRUE, true, True and their false forms.</summary>
    public static bool Bool(this IQueryCollection q, string name)
    {
        var value = q.Get(name);
        return value switch
        {
            null or "" => false,
            "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
            "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
            _ => throw ApiException.BadRequest($"invalid boolean value for {name}: \"{value}\""),
        };
    }

    public static long? Long(this IQueryCollection q, string name)
    {
        var value = q.Get(name);
        if (string.IsNullOrEmpty(value)) return null;
        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
            ? l
            : throw ApiException.BadRequest($"invalid value for {name}: \"{value}\" is not an integer");
    }

    /// <summary><c>dryRun=All</c> is the only value Kubernetes accepts; others are a 422 on the verb's options kind.</summary>
    public static bool DryRun(this IQueryCollection q, string optionsKind)
    {
        if (!q.TryGetValue("dryRun", out var values) || values.Count == 0) return false;
        if (values.Any(v => v != "All"))
            throw ApiException.InvalidOptions(optionsKind, FieldError.NotSupported("dryRun", values.Select(v => v ?? "").ToList(), ["All"]));
        return true;
    }
}
