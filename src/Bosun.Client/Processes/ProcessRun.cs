namespace Bosun.Client.Processes;

/// <summary>
/// One run of an external program: its path and argument list (never a shell string, so nothing is re-parsed), with
/// optional stdin, timeout and extra environment. Output is captured up to <see cref="MaxOutputChars"/> per stream.
/// </summary>
public sealed record ProcessRun(string FileName, IReadOnlyList<string> Arguments)
{
    public string? Stdin { get; init; }

    /// <summary>The process (and its children) is killed after this long and the run fails with a timeout.</summary>
    public TimeSpan? Timeout { get; init; }

    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Output goes to this process's own stdout/stderr (a user watches, as with apt-get); nothing is captured.</summary>
    public bool InheritOutput { get; init; }

    /// <summary>What is kept of each stream; the rest is read and dropped, so the child never blocks on a full pipe.</summary>
    public int MaxOutputChars { get; init; } = 4 << 20;

    /// <summary>The command as a user would type it, for messages.</summary>
    public string CommandLine => string.Join(' ', [FileName, .. Arguments]);
}

/// <summary>What a finished process left: its exit code and its (bounded) output.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>"cmd args failed (exit N): stderr", the message every caller reports a failure with.</summary>
    public string FailureMessage => Stderr.Trim() is { Length: > 0 } err
        ? $"{CommandLine} failed (exit {ExitCode}): {err}"
        : $"{CommandLine} failed (exit {ExitCode})";

    /// <summary>This result when the exit code is 0; otherwise throws <see cref="ProcessRunException"/> with <see cref="FailureMessage"/>.</summary>
    public ProcessResult EnsureSuccess() => Succeeded ? this : throw new ProcessRunException(FailureMessage, this);
}

/// <summary>A program could not be started, timed out, or (from <see cref="ProcessResult.EnsureSuccess"/>) exited non-zero.</summary>
public sealed class ProcessRunException(string message, ProcessResult? result = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The finished run, when the program exited.</summary>
    public ProcessResult? Result { get; } = result;
}
