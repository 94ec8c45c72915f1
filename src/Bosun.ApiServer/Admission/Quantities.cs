using System.Text.Json.Nodes;
using k8s.Models;

namespace Bosun.ApiServer.Admission;

/// <summary>Resource quantities as admission compares, sums and prints them (canonical form, as Kubernetes' Quantity.String).</summary>
internal static class Quantities
{
    public static decimal? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return new ResourceQuantity(text).ToDecimal();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    public static decimal? Of(JsonObject? list, string name) => Parse(list?[name]?.ToString());

    /// <summary>CPU-like values print in the decimal SI form (<c>500m</c>), memory-like in the form their suffix chose.</summary>
    public static string Format(decimal value, string like)
    {
        var format = like.EndsWith('i') ? ResourceQuantity.SuffixFormat.BinarySI : ResourceQuantity.SuffixFormat.DecimalSI;
        return new ResourceQuantity(value, 0, format).CanonicalizeString();
    }

    public static string Canonical(string text)
    {
        try
        {
            return new ResourceQuantity(text).CanonicalizeString();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return text;
        }
    }
}
