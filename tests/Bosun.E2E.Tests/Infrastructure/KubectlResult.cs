using System.Text.Json;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>What one kubectl run left behind.</summary>
internal sealed record KubectlResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Lines of stdout without the trailing empty one.</summary>
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The first column of every row after the header: the names in <c>kubectl get</c> output.</summary>
    public string[] Names => Lines.Skip(1).Select(l => l.Split(' ', 2)[0]).ToArray();

    /// <summary>Returns this result if kubectl exited 0; otherwise fails with the whole run in the message.</summary>
    public KubectlResult Ok()
    {
        Assert.True(ExitCode == 0, $"'{CommandLine}' exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        return this;
    }

    /// <summary>Stdout parsed as JSON (<c>-o json</c>); fails with the whole run if it is not.</summary>
    public JsonElement Json
    {
        get
        {
            try { using var doc = JsonDocument.Parse(Stdout); return doc.RootElement.Clone(); }
            catch (JsonException e) { Assert.Fail($"{this}\nstdout is not JSON: {e.Message}"); throw; }
        }
    }

    public override string ToString() => $"'{CommandLine}' exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
