namespace Bosun.Agent.Logs;

/// <summary>The <c>pods/log</c> options the agent honours (PodLogOptions).</summary>
internal sealed record LogOptions
{
    public bool Follow { get; init; }
    public long? TailLines { get; init; }
    public DateTimeOffset? Since { get; init; }
    public bool Timestamps { get; init; }
    public long? LimitBytes { get; init; }
    public bool Previous { get; init; }
}
