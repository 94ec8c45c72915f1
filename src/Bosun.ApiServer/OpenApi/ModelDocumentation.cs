using System.Reflection;
using System.Text;
using System.Xml;
using k8s.Models;

namespace Bosun.ApiServer.OpenApi;

/// <summary>
/// Descriptions of the KubernetesClient models, read from the <c>KubernetesClient.xml</c> documentation file that ships in
/// the NuGet package. The build embeds that file into this assembly (see Bosun.ApiServer.csproj), so every host and test
/// project gets it without copying files; a file next to KubernetesClient.dll is the fallback.
/// </summary>
internal sealed class ModelDocumentation
{
    /// <summary>Logical name of the embedded documentation file; must match the csproj.</summary>
    public const string ResourceName = "Bosun.ApiServer.OpenApi.KubernetesClient.xml";

    private const string ModelPrefix = "k8s.Models.";

    private static readonly Lazy<ModelDocumentation> SharedInstance = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Dictionary<string, string> _summaries;

    private ModelDocumentation(Dictionary<string, string> summaries, string source)
    {
        _summaries = summaries;
        Source = source;
    }

    /// <summary>The documentation of the referenced KubernetesClient, loaded once per process (the file is ~25 MB).</summary>
    public static ModelDocumentation Shared => SharedInstance.Value;

    /// <summary>Where the documentation came from (resource name or file path), or "none".</summary>
    public string Source { get; }

    /// <summary>Number of model type and property summaries loaded.</summary>
    public int Count => _summaries.Count;

    /// <summary>Summary of a model class, or null.</summary>
    public string? ForType(Type type) => ForMember("T:" + type.FullName);

    /// <summary>Summary of a model property, or null.</summary>
    public string? ForProperty(PropertyInfo property) => ForMember("P:" + property.DeclaringType?.FullName + "." + property.Name);

    /// <summary>Summary by XML-doc member id (<c>T:k8s.Models.V1Pod</c>, <c>P:k8s.Models.V1Pod.Spec</c>), or null.</summary>
    public string? ForMember(string memberId) => _summaries.GetValueOrDefault(memberId);

    /// <summary>Parses documentation XML, keeping only k8s.Models types and properties.</summary>
    public static ModelDocumentation Parse(Stream xml, string source)
    {
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = XmlReader.Create(xml, new XmlReaderSettings { IgnoreComments = true, DtdProcessing = DtdProcessing.Prohibit });
        while (reader.ReadToFollowing("member"))
        {
            var name = reader.GetAttribute("name");
            if (name is null || name.Length < 2 || (name[0] != 'T' && name[0] != 'P') || string.CompareOrdinal(name, 2, ModelPrefix, 0, ModelPrefix.Length) != 0)
            {
                continue;
            }

            using var member = reader.ReadSubtree();
            if (member.ReadToDescendant("summary"))
            {
                var text = Normalize(ReadText(member));
                if (text.Length > 0)
                {
                    summaries[name] = text;
                }
            }
        }

        return new ModelDocumentation(summaries, source);
    }

    private static ModelDocumentation Load()
    {
        var own = typeof(ModelDocumentation).Assembly;
        using (var embedded = own.GetManifestResourceStream(ResourceName))
        {
            if (embedded is not null)
            {
                return Parse(embedded, "resource:" + ResourceName);
            }
        }

        var dll = typeof(V1Pod).Assembly.Location;
        foreach (var candidate in new[]
                 {
                     string.IsNullOrEmpty(dll) ? null : Path.ChangeExtension(dll, ".xml"),
                     Path.Combine(AppContext.BaseDirectory, "KubernetesClient.xml"),
                 })
        {
            if (candidate is not null && File.Exists(candidate))
            {
                using var file = File.OpenRead(candidate);
                return Parse(file, candidate);
            }
        }

        return new ModelDocumentation(new Dictionary<string, string>(), "none");
    }

    private static string ReadText(XmlReader summary)
    {
        var sb = new StringBuilder();
        using var inner = summary.ReadSubtree();
        inner.Read();
        while (inner.Read())
        {
            switch (inner.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    sb.Append(inner.Value);
                    break;
                case XmlNodeType.Element when inner.Name is "see" or "seealso":
                    var cref = inner.GetAttribute("cref") ?? inner.GetAttribute("langword") ?? inner.GetAttribute("href");
                    if (cref is not null)
                    {
                        sb.Append(cref[(cref.LastIndexOfAny([':', '.']) + 1)..]);
                    }

                    break;
                case XmlNodeType.Element when inner.Name == "para":
                    sb.Append("\n\n");
                    break;
            }
        }

        return sb.ToString();
    }

    // The generator wraps upstream descriptions at ~80 columns with indentation; kubectl explain re-wraps text itself,
    // so lines are joined with spaces and only blank lines survive, as paragraph breaks like upstream's "\n\n".
    private static string Normalize(string raw)
    {
        var sb = new StringBuilder(raw.Length);
        var pendingBreak = false;
        foreach (var line in raw.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                pendingBreak = sb.Length > 0;
                continue;
            }

            if (sb.Length > 0)
            {
                sb.Append(pendingBreak ? "\n\n" : " ");
            }

            sb.Append(trimmed);
            pendingBreak = false;
        }

        return sb.ToString();
    }
}
