using System.Text.Json.Serialization;

namespace Bosun.Server;

/// <summary>
/// Generated JSON metadata for what the server itself keeps in the datastore, so the native build (which keeps no
/// metadata for reflection over these types) reads and writes it exactly as the JIT build does.
/// </summary>
[JsonSerializable(typeof(ClusterSettings))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ServerJson : JsonSerializerContext;
