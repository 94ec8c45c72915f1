using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bosun.Api;

/// <summary>
/// Converts a YAML document into a JSON tree with YAML 1.2 core-schema typing (what sigs.k8s.io/yaml does
/// for manifests): plain scalars become numbers, booleans or null when they look like one, quoted ones stay strings.
/// Used for request bodies, static pod manifests and kubeconfig files.
/// </summary>
public static partial class YamlJson
{
    /// <summary>Parses one YAML document holding a mapping; <see cref="FormatException"/> says what is wrong otherwise.</summary>
    public static JsonObject ParseObject(string yaml, string what = "the document")
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count != 1) throw new FormatException($"{what} must hold exactly one YAML document");
            return Convert(stream.Documents[0].RootNode) as JsonObject
                ?? throw new FormatException($"{what} must be a YAML mapping");
        }
        catch (YamlException e)
        {
            throw new FormatException($"error converting YAML to JSON: {e.Message}");
        }
    }

    public static JsonObject ParseObject(byte[] utf8, string what = "the document") => ParseObject(Encoding.UTF8.GetString(utf8), what);

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => ConvertMap(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new FormatException("unsupported YAML node (aliases are not allowed)"),
    };

    private static JsonObject ConvertMap(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode { Value: { } key }) throw new FormatException("YAML mapping keys must be scalars");
            if (obj.ContainsKey(key)) throw new FormatException($"error converting YAML to JSON: mapping key \"{key}\" already defined");
            obj[key] = Convert(v);
        }
        return obj;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain) return JsonValue.Create(value);
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (value is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (IntPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return JsonValue.Create(l);
        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return JsonValue.Create(d);
        return JsonValue.Create(value);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
