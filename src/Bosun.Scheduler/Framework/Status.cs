using System.Runtime.InteropServices;

namespace Bosun.Scheduler.Framework;

/// <summary>
/// A plugin's answer as a value: "doesn't fit" is an outcome, not an exception. Success carries nothing and costs
/// nothing; failures carry one or more reasons, which the scheduler counts into the FailedScheduling message.
/// </summary>
public readonly struct Status : IEquatable<Status>
{
    private readonly string? reason;
    private readonly string[]? reasons;

    private Status(StatusCode code, string? reason, string[]? reasons)
    {
        Code = code;
        this.reason = reason;
        this.reasons = reasons;
    }

    public StatusCode Code { get; }

    public bool IsSuccess => Code == StatusCode.Success;

    public static Status Success => default;

    public static Status Unschedulable(string reason) => new(StatusCode.Unschedulable, reason, null);

    public static Status Unschedulable(string[] reasons) => reasons.Length == 1
        ? new(StatusCode.Unschedulable, reasons[0], null)
        : new(StatusCode.Unschedulable, null, reasons);

    public static Status UnschedulableAndUnresolvable(string reason) => new(StatusCode.UnschedulableAndUnresolvable, reason, null);

    public static Status Error(string message) => new(StatusCode.Error, message, null);

    /// <summary>The reasons, in the order the plugin gave them (empty on success).</summary>
    public IReadOnlyList<string> Reasons => reasons ?? (reason is null ? [] : [reason]);

    /// <summary>Adds one to each reason's count (the FitError histogram), without allocating.</summary>
    internal void CountReasons(Dictionary<string, int> counts)
    {
        if (reasons is not null)
        {
            foreach (var r in reasons) CollectionsMarshal.GetValueRefOrAddDefault(counts, r, out _)++;
        }
        else if (reason is not null)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(counts, reason, out _)++;
        }
    }

    /// <summary>All reasons joined with ", " (upstream Status.Message).</summary>
    public string Message => reasons is null ? reason ?? "" : string.Join(", ", reasons);

    public bool Equals(Status other) => Code == other.Code && Reasons.SequenceEqual(other.Reasons);

    public override bool Equals(object? obj) => obj is Status s && Equals(s);

    public override int GetHashCode() => HashCode.Combine(Code, Message);

    public static bool operator ==(Status a, Status b) => a.Equals(b);

    public static bool operator !=(Status a, Status b) => !a.Equals(b);

    public override string ToString() => IsSuccess ? "Success" : $"{Code}: {Message}";
}
