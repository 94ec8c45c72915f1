using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Http;

/// <summary>Compiles <c>labelSelector</c> and <c>fieldSelector</c> into an <see cref="ObjectFilter"/> for one kind.</summary>
internal static class SelectorFilter
{
    public static ObjectFilter Build(ResourceRegistration reg, string? labelSelector, string? fieldSelector)
    {
        LabelSelector labels;
        FieldSelector fields;
        try
        {
            labels = LabelSelector.Parse(labelSelector);
            fields = FieldSelector.Parse(fieldSelector);
            fields.EnsureSupported(SupportedFields(reg));
        }
        catch (SelectorParseException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
        if (labels.IsEmpty && fields.IsEmpty) return ObjectFilter.Everything;
        var exactName = fields.RequiresExactMatch("metadata.name", out var name) ? name : null;
        return new ObjectFilter(obj =>
            labels.Matches(obj.Obj("metadata").Obj("labels")) && fields.Matches(f => Field(reg, obj, f)), false, exactName);
    }

    /// <summary>Adds the <c>metadata.name</c> condition of a watch on a single object (<c>…/pods/x?watch=true</c>).</summary>
    public static ObjectFilter WithName(ResourceRegistration reg, ObjectFilter filter, string name) =>
        new(obj => obj.Obj("metadata").Str("name") == name && filter.Matches(obj), false, name);

    private static readonly Dictionary<ResourceRegistration, HashSet<string>> Supported = [];

    private static HashSet<string> SupportedFields(ResourceRegistration reg)
    {
        lock (Supported)
        {
            if (!Supported.TryGetValue(reg, out var set))
            {
                set = ["metadata.name", "metadata.namespace", .. reg.FieldLabels.Keys];
                Supported[reg] = set;
            }
            return set;
        }
    }

    private static string? Field(ResourceRegistration reg, JsonObject obj, string field) => field switch
    {
        "metadata.name" => obj.Obj("metadata").Str("name") ?? "",
        "metadata.namespace" => obj.Obj("metadata").Str("namespace") ?? "",
        _ => reg.FieldLabels.TryGetValue(field, out var get) ? get(obj) : null,
    };
}
