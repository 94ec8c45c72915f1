namespace Bosun.Agent.Runtime.Preflight;

/// <summary>
/// The preflight phase, printed as kubeadm prints it: <c>[WARNING X]: …</c> and <c>[ERROR X]: …</c> lines, then on errors
/// <c>error execution phase preflight: …</c> and the <c>--ignore-preflight-errors</c> hint. Errors named in
/// <c>--ignore-preflight-errors</c> (or <c>all</c>) are printed as warnings instead.
/// </summary>
internal static class PreflightPhase
{
    /// <summary>Runs the checks for <paramref name="plan"/>; false when a fatal error remains (the caller exits 1).</summary>
    public static bool Run(PreflightPlan plan, IReadOnlyCollection<string> ignore, TextWriter output, IPreflightHost? host = null)
    {
        host ??= new SystemPreflightHost();
        output.WriteLine("[preflight] Running pre-flight checks");
        var findings = ApplyFixes(PreflightChecks.Run(plan, host), host);
        var errors = new List<PreflightFinding>();
        foreach (var f in findings)
        {
            if (f.Severity == PreflightSeverity.Error && !IsIgnored(f.Name, ignore)) errors.Add(f);
            else output.WriteLine($"\t[WARNING {f.Name}]: {f.Message}");
        }
        if (errors.Count == 0) return true;
        output.WriteLine("error execution phase preflight: [preflight] Some fatal errors occurred:");
        foreach (var e in errors) output.WriteLine($"\t[ERROR {e.Name}]: {e.Message}");
        output.WriteLine("[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`");
        return false;
    }

    /// <summary><c>--ignore-preflight-errors</c>: names separated by commas, case-insensitive; <c>all</c> ignores every error.</summary>
    public static IReadOnlyCollection<string> ParseIgnore(IEnumerable<string>? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    internal static bool IsIgnored(string name, IReadOnlyCollection<string> ignore) =>
        ignore.Contains("all", StringComparer.OrdinalIgnoreCase) || ignore.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Loads each finding's module and writes its fix; a fix that fails becomes an error.</summary>
    private static List<PreflightFinding> ApplyFixes(List<PreflightFinding> findings, IPreflightHost host) =>
        findings.Select(f => FixProblem(f, host) is not { } why
            ? f
            : f with { Severity = PreflightSeverity.Error, Message = $"{f.Message}: {why}" }).ToList();

    private static string? FixProblem(PreflightFinding f, IPreflightHost host)
    {
        if (f.Module is { } module && host.LoadModule(module) is { } notLoaded) return $"modprobe {module} failed: {notLoaded}";
        if (f.Fix is { } fix && host.WriteFile(fix.Path, fix.Value) is { } notWritten) return $"writing {fix.Path} failed: {notWritten}";
        return null;
    }
}
