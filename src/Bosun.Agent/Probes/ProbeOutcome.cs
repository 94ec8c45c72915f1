namespace Bosun.Agent.Probes;

/// <summary>The result of one probe or hook run: success, and the output or error shown in events.</summary>
internal readonly record struct ProbeOutcome(bool Success, string Output)
{
    public static ProbeOutcome Ok(string output = "") => new(true, output);
    public static ProbeOutcome Fail(string output) => new(false, output);
}
