using Xunit.Abstractions;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Bosun.Containers.Tests.Streaming;

/// <summary>
/// The real kubectl against a TestCluster whose pod runs in a private containerd, through the API server's proxy and the
/// agent's HTTPS server: logs, exec (WebSocket v5 on 1.32, SPDY on 1.29 and with WebSockets switched off) and port-forward.
/// </summary>
[Trait("Category", "Containers")]
public sealed class KubectlStreamingTests(StreamingClusterFixture fx, ITestOutputHelper output) : IClassFixture<StreamingClusterFixture>
{
    private const string Pod = StreamingClusterFixture.PodName;
    private static int _talkerRuns;

    public static TheoryData<string, bool> Clients => new()
    {
        { KubectlRunner.V132, true },    // WebSocket v5
        { KubectlRunner.V132, false },   // KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false: SPDY
        { KubectlRunner.V129, false },   // SPDY only
    };

    private KubectlRunner Client(string binary, bool websockets) =>
        fx.Kubectl(binary).With(new Dictionary<string, string>
        {
            ["KUBECTL_REMOTE_COMMAND_WEBSOCKETS"] = websockets ? "true" : "false",
            ["KUBECTL_PORT_FORWARD_WEBSOCKETS"] = websockets ? "true" : "false",
        });

    [Fact]
    public async Task Logs_of_a_named_container_show_its_current_run_with_stdout_and_stderr()
    {
        var r = await fx.Kubectl(KubectlRunner.V132).RunAsync(["logs", Pod, "-c", "main"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("second-run\nline-1\nline-2\nline-3\nline-4\nline-5\nto-stderr\n", r.Stdout);
    }

    [Fact]
    public async Task Logs_without_container_default_to_the_first_and_say_so()
    {
        var r = await fx.Kubectl(KubectlRunner.V132).RunAsync(["logs", Pod]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("second-run\n", r.Stdout);
        Assert.Contains("Defaulted container \"main\" out of: main, web, counter", r.Stderr);
    }

    [Fact]
    public async Task Logs_tail_timestamps_and_previous()
    {
        var kubectl = fx.Kubectl(KubectlRunner.V132);
        var tail = await kubectl.RunAsync(["logs", Pod, "-c", "main", "--tail=2"]);
        Assert.Equal("line-5\nto-stderr\n", tail.Stdout);

        var stamped = await kubectl.RunAsync(["logs", Pod, "-c", "main", "--timestamps", "--tail=1"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z to-stderr\n$", stamped.Stdout);

        var previous = await kubectl.RunAsync(["logs", Pod, "-c", "main", "--previous"]);
        Assert.True(previous.ExitCode == 0, previous.ToString());
        Assert.Equal("first-run\n", previous.Stdout);

        var limited = await kubectl.RunAsync(["logs", Pod, "-c", "main", "--limit-bytes=6"]);
        Assert.Equal("second", limited.Stdout);
    }

    [Fact]
    public async Task Logs_of_an_unknown_container_are_refused_with_the_api_servers_message()
    {
        var r = await fx.Kubectl(KubectlRunner.V132).RunAsync(["logs", Pod, "-c", "nope"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"container nope is not valid for pod {Pod}", r.Stderr);
    }

    [Fact]
    public async Task Logs_follow_streams_new_lines_and_ends_when_the_container_exits()
    {
        await fx.Node.RunContainerAsync(fx.SandboxId, StreamingClusterFixture.Namespace, Pod, fx.PodUid, "counter", 0,
            ["sh", "-c", "sleep 2; for i in 1 2 3 4 5; do echo count-$i; sleep 0.3; done"], default);
        var watch = Stopwatch.StartNew();
        var r = await fx.Kubectl(KubectlRunner.V132).RunAsync(["logs", "-f", Pod, "-c", "counter"], timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("count-1\ncount-2\ncount-3\ncount-4\ncount-5\n", r.Stdout);
        // kubectl was still following while the lines were written (it started before the 2 s sleep ended).
        Assert.True(watch.Elapsed > TimeSpan.FromSeconds(1), $"follow returned after {watch.Elapsed}");
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Exec_separates_stdout_and_stderr(string binary, bool websockets)
    {
        var r = await Client(binary, websockets).RunAsync(["exec", Pod, "-c", "main", "--", "sh", "-c", "echo to-out; echo to-err >&2"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("to-out\n", r.Stdout);
        Assert.Contains("to-err\n", r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Exec_propagates_the_exit_code(string binary, bool websockets)
    {
        var r = await Client(binary, websockets).RunAsync(["exec", Pod, "-c", "main", "--", "sh", "-c", "exit 7"]);
        Assert.True(r.ExitCode == 7, r.ToString());
        Assert.Contains("command terminated with exit code 7", r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Exec_with_stdin_delivers_input_and_its_end(string binary, bool websockets)
    {
        var r = await Client(binary, websockets).RunAsync(["exec", "-i", Pod, "-c", "main", "--", "sh", "-c", "cat; echo after-eof"],
            stdin: "hi\nthere\n", timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hi\nthere\nafter-eof\n", r.Stdout);
    }

    [Fact]
    public async Task Exec_into_an_unknown_container_is_refused()
    {
        var r = await fx.Kubectl(KubectlRunner.V132).RunAsync(["exec", Pod, "-c", "nope", "--", "true"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("nope", r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Port_forward_carries_http_to_the_pods_port(string binary, bool websockets)
    {
        using var process = Client(binary, websockets).Start(["port-forward", $"pod/{Pod}", ":8080", "--address", "127.0.0.1"]);
        try
        {
            var port = await ForwardedPortAsync(process);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            for (var i = 0; i < 2; i++)   // two connections: each opens its own pair of streams
            {
                var body = await http.GetStringAsync($"http://127.0.0.1:{port}/index.html");
                Assert.Equal(StreamingClusterFixture.WebPage + "\n", body);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            output.WriteLine("kubectl port-forward stderr: " + await process.StandardError.ReadToEndAsync());
        }
    }

    [Fact]
    public async Task Logs_follow_continues_across_a_size_rotation_without_losing_or_repeating_lines()
    {
        const int lines = 300;
        var id = await fx.Node.RunContainerAsync(fx.SandboxId, StreamingClusterFixture.Namespace, Pod, fx.PodUid, "chatty", 0,
            ["sh", "-c", $"sleep 1; i=0; while [ $i -lt {lines} ]; do echo chatty-line-$i; i=$((i+1)); sleep 0.01; done; sleep 1"], default);
        var follow = fx.Kubectl(KubectlRunner.V132).RunAsync(["logs", "-f", Pod, "-c", "chatty"], timeout: TimeSpan.FromSeconds(60));

        var log = Path.Combine(fx.Node.Paths.PodLogDir(StreamingClusterFixture.Namespace, Pod, fx.PodUid), "chatty", "0.log");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(log) || new FileInfo(log).Length < 4096)
        {
            Assert.True(DateTime.UtcNow < deadline, "chatty wrote too little");
            await Task.Delay(50);
        }
        var rotator = new Bosun.Agent.Logs.LogRotator(fx.Node.Cri.Runtime, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
            TimeProvider.System, maxSize: 2048, maxFiles: 3);
        await rotator.RotateAsync(id, default);

        var r = await follow;
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(string.Concat(Enumerable.Range(0, lines).Select(i => $"chatty-line-{i}\n")), r.Stdout);
        var rotated = Directory.GetFiles(Path.GetDirectoryName(log)!).Where(f => f.StartsWith(log + ".", StringComparison.Ordinal)).ToArray();
        Assert.True(rotated.Length == 1, string.Join(", ", rotated));
        Assert.DoesNotContain("chatty-line-0\n", File.ReadAllText(log));   // the runtime reopened: a fresh file
    }

    [Theory]
    [InlineData(KubectlRunner.V132Name, true)]
    [InlineData(KubectlRunner.V129Name, false)]
    public async Task Attach_with_stdin_talks_to_the_running_process_until_it_exits(string name, bool websockets)
    {
        // Each run is a new instance (the next restart count), as the agent would start it.
        await fx.Node.RunContainerAsync(fx.SandboxId, StreamingClusterFixture.Namespace, Pod, fx.PodUid, "talker", Interlocked.Increment(ref _talkerRuns),
            ["sh", "-c", "while read line; do echo got:$line; done; echo bye"], default, stdin: true);
        var r = await Client(Path.Combine(KubectlRunner.Directory, name), websockets)
            .RunAsync(["attach", "-i", Pod, "-c", "talker"], stdin: "hello\n", timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("got:hello\nbye\n", r.Stdout);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Exec_into_a_container_that_is_not_running_is_refused_with_the_kubelets_words(string binary, bool websockets)
    {
        // "counter" has not been started yet, or has exited after the follow test: either way it is not running.
        var r = await Client(binary, websockets).RunAsync(["exec", Pod, "-c", "counter", "--", "true"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("container not found (\"counter\")", r.Stderr);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Exec_carries_megabytes_of_output_and_input_intact(string binary, bool websockets)
    {
        // Far beyond SPDY's 64 KiB initial window in both directions.
        var out1 = await Client(binary, websockets).RunAsync(["exec", Pod, "-c", "main", "--", "seq", "1", "200000"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(out1.ExitCode == 0, out1.Stderr);
        Assert.Equal(string.Concat(Enumerable.Range(1, 200000).Select(i => $"{i}\n")), out1.Stdout);

        var input = string.Concat(Enumerable.Range(0, 50000).Select(i => $"input-line-{i}\n"));
        var out2 = await Client(binary, websockets).RunAsync(["exec", "-i", Pod, "-c", "main", "--", "wc", "-c"], stdin: input, timeout: TimeSpan.FromSeconds(60));
        Assert.True(out2.ExitCode == 0, out2.Stderr);
        Assert.Equal(input.Length.ToString(), out2.Stdout.Trim());
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Exec_with_a_tty_gets_the_terminal_size_of_the_client(string binary, bool websockets)
    {
        // script(1) gives kubectl a pseudo-terminal of 45 rows x 123 columns; kubectl sends that size on the resize channel.
        var kubectl = $"{binary} --kubeconfig {fx.Cluster.KubeconfigPath} --cache-dir {fx.Node.DataDir}/home/cache exec -it {Pod} -c main -- sh -c 'sleep 1; stty size; echo tty-ok'";
        var start = new System.Diagnostics.ProcessStartInfo("script", ["-qec", $"stty rows 45 cols 123; {kubectl}", "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["HOME"] = Path.Combine(fx.Node.DataDir, "home");
        start.Environment["KUBECTL_REMOTE_COMMAND_WEBSOCKETS"] = websockets ? "true" : "false";
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await process.WaitForExitAsync(cts.Token); }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        var text = await stdout;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {text} {await stderr}");
        Assert.Contains("45 123", text);
        Assert.Contains("tty-ok\r\n", text);   // the remote side is a terminal: LF became CRLF
    }

    private static async Task<int> ForwardedPortAsync(Process process)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            var m = Regex.Match(line, @"Forwarding from 127\.0\.0\.1:(\d+) -> 8080");
            if (m.Success) return int.Parse(m.Groups[1].Value);
        }
        throw new InvalidOperationException("kubectl port-forward ended: " + await process.StandardError.ReadToEndAsync());
    }
}
