using System.Reflection;
using System.Text.Json.Serialization;
using Bosun.ApiServer.Protobuf;
using Bosun.ApiServer.Registry.Kinds;

namespace Bosun.ApiServer.Tests.Protobuf;

public sealed class ProtoSchemaModelTests
{
    /// <summary>
    /// Walks every registered kind's schema message alongside its KubernetesClient model: each JSON name the decoder
    /// writes (after inline flattening) must be a property of the model at the same place. The schema follows a newer
    /// API than the client, so fields the client does not know yet are listed rather than failed, up to a small bound.
    /// </summary>
    [Fact]
    public void Schema_EveryRegisteredKind_WritesJsonNamesOfTheClientModel()
    {
        var unknown = new SortedSet<string>();
        var visited = new HashSet<(string, Type)>();
        foreach (var reg in BuiltInKinds.Create())
            Walk(ProtoSchema.Instance.ForKind(reg.ApiVersion, reg.Kind)!, reg.ModelType, visited, unknown);

        Assert.True(unknown.Count == 0, string.Join("\n", unknown));
        Assert.True(visited.Count > 300, $"only {visited.Count} message/model pairs were walked");
    }

    private static void Walk(ProtoMessage message, Type model, HashSet<(string, Type)> visited, SortedSet<string> unknown)
    {
        if (!visited.Add((message.Name, model))) return;
        var properties = model.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))
            .Where(p => p.Name is not null)
            .ToDictionary(p => p.Name!, p => p.Property);
        foreach (var field in message.Fields)
        {
            if (field.Inline)
            {
                Walk(field.Type.Message!, model, visited, unknown);
                continue;
            }
            if (!properties.TryGetValue(field.JsonName!, out var property))
            {
                unknown.Add($"{message.Name}.{field.JsonName} ({model.Name})");
                continue;
            }
            if (field.Type.Kind == ProtoKind.Message && ElementType(property.PropertyType) is { } child)
                Walk(field.Type.Message!, child, visited, unknown);
        }
    }

    private static Type? ElementType(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t.IsGenericType)
        {
            var args = t.GetGenericArguments();
            return args[^1];
        }
        return t.IsClass && t != typeof(string) ? t : null;
    }
}
