using System.Text;

namespace Bosun.Client;

/// <summary>The query string of a list or watch request.</summary>
public sealed record ListQuery(string? LabelSelector = null, string? FieldSelector = null)
{
    public string? ResourceVersion { get; init; }
    public int Limit { get; init; }
    public string? Continue { get; init; }
    public bool Watch { get; init; }
    public bool AllowBookmarks { get; init; }
    public int TimeoutSeconds { get; init; }

    public static readonly ListQuery Everything = new();

    public string ToQueryString()
    {
        var sb = new StringBuilder();
        void Add(string name, string? value)
        {
            if (string.IsNullOrEmpty(value)) return;
            sb.Append(sb.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
        Add("labelSelector", LabelSelector);
        Add("fieldSelector", FieldSelector);
        Add("resourceVersion", ResourceVersion);
        if (Limit > 0) Add("limit", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("continue", Continue);
        if (Watch) Add("watch", "true");
        if (AllowBookmarks) Add("allowWatchBookmarks", "true");
        if (TimeoutSeconds > 0) Add("timeoutSeconds", TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
