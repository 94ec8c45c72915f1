using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry;

/// <summary>Label and field selectors of one request, compiled into a predicate over served objects.</summary>
internal sealed class ObjectFilter(Func<JsonObject, bool> predicate, bool isEverything, string? exactName = null)
{
    public static readonly ObjectFilter Everything = new(_ => true, true);

    public bool IsEverything { get; } = isEverything;

    /// <summary>Set when the field selector pins <c>metadata.name</c>, so a list can read one key instead of scanning.</summary>
    public string? ExactName { get; } = exactName;

    public bool Matches(JsonObject obj) => predicate(obj);
}
