using Bosun.Client.Processes;

namespace Bosun.Client.Tests;

/// <summary>The shared runner against real short-lived programs (sh, cat, printf, sleep).</summary>
public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task RunAsync_CapturesStdoutStderrAndExitCode()
    {
        var r = await ProcessRunner.RunAsync("sh", ["-c", "echo out; echo err >&2; exit 3"], CancellationToken.None);

        Assert.Equal((3, "out\n", "err\n"), (r.ExitCode, r.Stdout, r.Stderr));
        Assert.False(r.Succeeded);
        var e = Assert.Throws<ProcessRunException>(() => r.EnsureSuccess());
        Assert.Equal("sh -c echo out; echo err >&2; exit 3 failed (exit 3): err", e.Message);
        Assert.Same(r, e.Result);
    }

    [Fact]
    public async Task RunAsync_PassesArgumentsVerbatim_NoShellInBetween()
    {
        var r = await ProcessRunner.RunAsync("printf", ["%s|", "a b", "$HOME", "'q'", ";"], CancellationToken.None);

        Assert.Equal("a b|$HOME|'q'|;|", r.EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task RunAsync_WritesStdinAndClosesIt()
    {
        var r = await ProcessRunner.RunAsync("cat", [], CancellationToken.None, stdin: "line 1\nline 2\n");

        Assert.Equal("line 1\nline 2\n", r.EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task RunAsync_ProgramThatIgnoresItsStdin_StillReportsItsExit()
    {
        var r = await ProcessRunner.RunAsync("sh", ["-c", "exit 4"], CancellationToken.None, stdin: new string('x', 1 << 20));

        Assert.Equal(4, r.ExitCode);
    }

    [Fact]
    public async Task RunAsync_KeepsOnlyTheBoundOfALargeOutput_AndStillRunsToTheEnd()
    {
        var r = await ProcessRunner.RunAsync(new ProcessRun("sh", ["-c", "dd if=/dev/zero bs=1000 count=200 2>/dev/null | tr '\\0' a; echo done >&2"]) { MaxOutputChars = 1000 }, CancellationToken.None);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(new string('a', 1000), r.Stdout);
        Assert.Equal("done\n", r.Stderr);
    }

    [Fact]
    public async Task RunAsync_SetsExtraEnvironment()
    {
        var run = new ProcessRun("sh", ["-c", "echo $BOSUN_RUNNER_TEST"]) { Environment = new Dictionary<string, string> { ["BOSUN_RUNNER_TEST"] = "v1" } };

        Assert.Equal("v1\n", (await ProcessRunner.RunAsync(run, CancellationToken.None)).Stdout);
    }

    [Fact]
    public async Task RunAsync_MissingProgram_FailsWithTheCommandInTheMessage()
    {
        var e = await Assert.ThrowsAsync<ProcessRunException>(() => ProcessRunner.RunAsync("bosun-no-such-tool", ["x"], CancellationToken.None));

        Assert.StartsWith("could not start bosun-no-such-tool x", e.Message);
        Assert.Null(e.Result);
    }

    [Fact]
    public async Task RunAsync_Timeout_KillsTheProcessTreeAndSaysSo()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), "bosun-runner-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The child sleep writes its pid, so the test can see it was killed with its parent.
            var run = new ProcessRun("sh", ["-c", "sleep 60 & echo $! > \"$0\"; wait", pidFile]) { Timeout = TimeSpan.FromMilliseconds(300) };

            var e = await Assert.ThrowsAsync<ProcessRunException>(() => ProcessRunner.RunAsync(run, CancellationToken.None));

            Assert.EndsWith("timed out after 0.3 s", e.Message);
            var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(Directory.Exists($"/proc/{child}") && !File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    [Fact]
    public async Task RunAsync_ExitedButABackgroundChildHoldsTheOutput_TimesOutInsteadOfHanging()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), "bosun-runner-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = new ProcessRun("sh", ["-c", "sleep 60 & echo $! > \"$0\"; exit 0", pidFile]) { Timeout = TimeSpan.FromMilliseconds(300) };

            var e = await Assert.ThrowsAsync<ProcessRunException>(() => ProcessRunner.RunAsync(run, CancellationToken.None));

            Assert.EndsWith("timed out after 0.3 s", e.Message);
        }
        finally
        {
            // The child outlived its shell, so no tree kill reaches it: the test stops the process it started.
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            {
                try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
            }
            File.Delete(pidFile);
        }
    }

    [Fact]
    public async Task RunAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ProcessRunner.RunAsync("sleep", ["60"], cts.Token));
    }
}
