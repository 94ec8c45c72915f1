using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tests.Protobuf;

/// <summary>
/// The captured bodies under testdata/protobuf: <c>NAME.pb</c> is what kubectl 1.32 sent for a typed create (recorded by a
/// throwaway HTTP listener), <c>NAME.json</c> what kubectl 1.31 prints for the same command with <c>--dry-run=client -o json</c>.
/// </summary>
internal static class ProtoFixtures
{
    private static readonly Lazy<string> Dir = new(() =>
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "testdata", "protobuf");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("testdata/protobuf not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The testdata/protobuf folder.</summary>
    public static string Directory => Dir.Value;

    public static byte[] Body(string name) => File.ReadAllBytes(Path.Combine(Dir.Value, name + ".pb"));

    public static JsonObject Json(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Dir.Value, name + ".json")))!.AsObject();

    /// <summary>
    /// Removes what Go's JSON printer emits for unset non-pointer structs and nil pointers (<c>creationTimestamp: null</c>,
    /// <c>status: {}</c>, <c>strategy: {}</c>, <c>resources: {}</c>): nulls, and objects left empty once those are gone.
    /// </summary>
    public static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    var normalized = Normalize(value);
                    if (normalized is null || normalized is JsonObject { Count: 0 }) o.Remove(key);
                }
                return o;
            case JsonArray a:
                foreach (var item in a) Normalize(item);
                return a;
            default:
                return node;
        }
    }
}
