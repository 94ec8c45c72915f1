namespace Bosun.ApiServer.Tables;

/// <summary>
/// Request-side helpers for Table output: whether an Accept header asks for a Table, and the <c>includeObject</c>
/// parameter. kubectl sends <c>application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json</c>.
/// </summary>
internal static class TableNegotiation
{
    /// <summary>The Content-Type of a Table response to a list or get.</summary>
    public const string ContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    /// <summary>True when one of the media ranges in <paramref name="accept"/> is a meta.k8s.io Table (v1 or v1beta1) in JSON.</summary>
    public static bool AcceptsTable(string? accept)
    {
        if (string.IsNullOrEmpty(accept))
        {
            return false;
        }
        foreach (var range in accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IsTableRange(range))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsTableRange(string range)
    {
        var parts = range.Split(';', StringSplitOptions.TrimEntries);
        if (!parts[0].Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        string? kind = null, group = null, version = null;
        for (int i = 1; i < parts.Length; i++)
        {
            int eq = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }
            string value = parts[i][(eq + 1)..].Trim('"');
            switch (parts[i][..eq].Trim())
            {
                case "as":
                    kind = value;
                    break;
                case "g":
                    group = value;
                    break;
                case "v":
                    version = value;
                    break;
            }
        }
        return kind == "Table" && group == "meta.k8s.io" && version is "v1" or "v1beta1";
    }

    /// <summary>
    /// Parses the <c>includeObject</c> query value; absent means Metadata. Returns false for anything else than
    /// None, Metadata or Object, which the API server rejects as a bad request.
    /// </summary>
    public static bool TryParseIncludeObject(string? value, out IncludeObjectPolicy policy)
    {
        switch (value)
        {
            case null or "" or "Metadata":
                policy = IncludeObjectPolicy.Metadata;
                return true;
            case "None":
                policy = IncludeObjectPolicy.None;
                return true;
            case "Object":
                policy = IncludeObjectPolicy.Object;
                return true;
            default:
                policy = IncludeObjectPolicy.Metadata;
                return false;
        }
    }
}
