using System.Text.RegularExpressions;

namespace Bosun.Agent.Images;

/// <summary>Checks the arguments of <c>bosun image build</c>, reporting every problem at once.</summary>
internal static partial class ImageBuildArguments
{
    public static List<string> Check(string tag, IReadOnlyList<string> env, IReadOnlyList<string> exposedPorts)
    {
        var problems = new List<string>();
        if (!Reference().IsMatch(tag))
            problems.Add($"--tag: \"{tag}\" is not NAME:TAG (lowercase name components separated by '/', optional registry host, tag of letters, digits, '_', '.', '-')");
        foreach (var e in env)
            if (e.IndexOf('=') <= 0) problems.Add($"--env: \"{e}\" is not K=V");
        foreach (var p in exposedPorts)
            if (!Port().IsMatch(p)) problems.Add($"--expose: \"{p}\" is not PORT or PORT/tcp|udp|sctp");
        return problems;
    }

    // Docker's reference grammar, restricted to name:tag (no digest): [host[:port]/]path:tag.
    [GeneratedRegex(@"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^[0-9]{1,5}(/(tcp|udp|sctp))?$")]
    private static partial Regex Port();
}
