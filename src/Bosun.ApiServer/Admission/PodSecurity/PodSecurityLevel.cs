using Bosun.Api;

namespace Bosun.ApiServer.Admission.PodSecurity;

/// <summary>The Pod Security Standards levels, from least to most restrictive.</summary>
internal enum PodSecurityLevel
{
    Privileged,
    Baseline,
    Restricted,
}

/// <summary>
/// A level at a policy version (<c>restricted:latest</c>, <c>baseline:v1.23</c>); <see cref="Minor"/> null is <c>latest</c>.
/// </summary>
internal sealed record LevelVersion(PodSecurityLevel Level, int? Minor)
{
    public static readonly LevelVersion Privileged = new(PodSecurityLevel.Privileged, null);

    public bool AtLeast(int minor) => Minor is null || Minor >= minor;

    public override string ToString() => $"{Name(Level)}:{(Minor is { } m ? $"v1.{m}" : "latest")}";

    public static string Name(PodSecurityLevel level) => level.ToString().ToLowerInvariant();
}

/// <summary>
/// A namespace's policy from its <c>pod-security.kubernetes.io/{enforce,warn,audit}[-version]</c> labels; a missing
/// label is privileged, a missing version is latest. Invalid values are field errors (the namespace is refused), and
/// for a namespace already stored with them enforce falls back to restricted:latest, as upstream fails closed.
/// </summary>
internal sealed record NamespacePolicy(LevelVersion Enforce, LevelVersion Warn, LevelVersion Audit)
{
    public const string Prefix = "pod-security.kubernetes.io/";
    private const string LevelDetail = "must be one of privileged, baseline, restricted";
    private const string VersionDetail = "must be \"latest\" or \"v1.x\"";

    public static NamespacePolicy FromLabels(IReadOnlyDictionary<string, string> labels, out IReadOnlyList<FieldError> errors)
    {
        var found = new List<FieldError>();
        var enforce = Parse(labels, "enforce", found);
        var warn = Parse(labels, "warn", found);
        var audit = Parse(labels, "audit", found);
        errors = found;
        return new NamespacePolicy(enforce ?? new LevelVersion(PodSecurityLevel.Restricted, null),
            warn ?? new LevelVersion(PodSecurityLevel.Restricted, null), audit ?? new LevelVersion(PodSecurityLevel.Restricted, null));
    }

    /// <summary>Null when the mode's labels are invalid (the errors say why).</summary>
    private static LevelVersion? Parse(IReadOnlyDictionary<string, string> labels, string mode, List<FieldError> errors)
    {
        var before = errors.Count;
        var level = PodSecurityLevel.Privileged;
        if (labels.TryGetValue(Prefix + mode, out var levelText) && !TryParseLevel(levelText, out level))
            errors.Add(FieldError.Invalid($"metadata.labels[{Prefix}{mode}]", levelText, LevelDetail));
        int? minor = null;
        if (labels.TryGetValue($"{Prefix}{mode}-version", out var versionText) && !TryParseVersion(versionText, out minor))
            errors.Add(FieldError.Invalid($"metadata.labels[{Prefix}{mode}-version]", versionText, VersionDetail));
        return errors.Count == before ? new LevelVersion(level, minor) : null;
    }

    private static bool TryParseLevel(string text, out PodSecurityLevel level)
    {
        level = text switch
        {
            "privileged" => PodSecurityLevel.Privileged,
            "baseline" => PodSecurityLevel.Baseline,
            "restricted" => PodSecurityLevel.Restricted,
            _ => (PodSecurityLevel)(-1),
        };
        return (int)level >= 0;
    }

    private static bool TryParseVersion(string text, out int? minor)
    {
        minor = null;
        if (text == "latest") return true;
        if (!text.StartsWith("v1.", StringComparison.Ordinal)) return false;
        var digits = text[3..];
        if (digits.Length == 0 || digits.Length > 4 || !digits.All(char.IsAsciiDigit) || (digits.Length > 1 && digits[0] == '0')) return false;
        minor = int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }
}
