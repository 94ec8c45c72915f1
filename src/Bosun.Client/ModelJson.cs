using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;

namespace Bosun.Client;

/// <summary>
/// JSON for the KubernetesClient models with KubernetesJson's settings (camelCase, nulls omitted, string enums,
/// RFC 3339 times, ISO 8601 durations): generated metadata for the node agent's kinds (<see cref="ModelJsonContext"/>),
/// reflection for any other type, built for the types actually used. Patches are written as models with only the fields
/// to change set (nulls are omitted), not as anonymous types, whose properties the native build keeps no metadata for.
/// KubernetesJson resolves through <c>k8s.SourceGenerationContext</c> first, whose type switch loads all ~860 model
/// types and their generated metadata on first use (≈ 15 MB of type data in every process, bench/README.md).
/// </summary>
public static class ModelJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static string Serialize(object value)
    {
        var type = value.GetType();
        // Refused here, under the JIT, so that unit tests catch what the native build would silently write as {}.
        if (type.Name.StartsWith("<>f__AnonymousType", StringComparison.Ordinal))
            throw new ArgumentException("ModelJson does not write anonymous types (the native build keeps no metadata for them); " +
                "write a model with only the fields to change set", nameof(value));
        return JsonSerializer.Serialize(value, type, Options);
    }

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;

    public static T Deserialize<T>(Stream json) => JsonSerializer.Deserialize<T>(json, Options)!;

    public static T Deserialize<T>(JsonElement json) => json.Deserialize<T>(Options)!;

    public static ValueTask<T?> DeserializeAsync<T>(Stream json, CancellationToken ct) => JsonSerializer.DeserializeAsync<T>(json, Options, ct);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(ModelJsonContext.Default, new DefaultJsonTypeInfoResolver()),
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new KubernetesJson.Iso8601TimeSpanConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeOffsetConverter());
        options.MakeReadOnly();
        return options;
    }
}
