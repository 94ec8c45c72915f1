using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>A kubectl running in the background (<c>get -w</c>); its stdout lines are collected as they arrive.</summary>
internal sealed class KubectlStream : IDisposable
{
    private readonly Process _process;
    private readonly string _commandLine;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];

    private KubectlStream(Process process, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
    }

    internal static KubectlStream Start(Process process, string commandLine)
    {
        var stream = new KubectlStream(process, commandLine);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stream._stdout) stream._stdout.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stream._stderr) stream._stderr.Add(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return stream;
    }

    public IReadOnlyList<string> Lines { get { lock (_stdout) return [.. _stdout]; } }

    private string Stderr { get { lock (_stderr) return string.Join('\n', _stderr); } }

    /// <summary>Waits for a stdout line matching <paramref name="pattern"/> and returns it.</summary>
    public async Task<string> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern);
        string? found = null;
        try
        {
            await Poll.UntilAsync(() =>
            {
                found = Lines.FirstOrDefault(regex.IsMatch);
                return found is not null || _process.HasExited;
            }, timeout, $"a line matching /{pattern}/ from {_commandLine}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nstdout:\n{string.Join('\n', Lines)}\nstderr:\n{Stderr}");
        }
        if (found is null)
            Assert.Fail($"{_commandLine} exited {_process.ExitCode} before printing /{pattern}/\nstdout:\n{string.Join('\n', Lines)}\nstderr:\n{Stderr}");
        return found!;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);   // the kubectl dispatcher may run the versioned kubectl as a child
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
