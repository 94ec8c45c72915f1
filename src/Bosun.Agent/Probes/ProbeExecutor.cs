using System.Net.Sockets;
using System.Text;
using Bosun.Cri.V1;
using Grpc.Core;
using Grpc.Net.Client;
using k8s.Models;

namespace Bosun.Agent.Probes;

/// <summary>
/// Runs one probe or lifecycle handler: exec through CRI ExecSync, tcpSocket connect, httpGet (2xx/3xx succeed), and
/// the gRPC health v1 check — each bounded by the timeout, with the kubelet's failure wording.
/// </summary>
internal sealed class ProbeExecutor(RuntimeService.RuntimeServiceClient runtime, HttpClient http)
{
    public Task<ProbeOutcome> RunAsync(V1Probe probe, ProbeTarget target, CancellationToken ct) =>
        RunAsync(probe.Exec, probe.HttpGet, probe.TcpSocket, probe.Grpc, target, TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1)), ct);

    public Task<ProbeOutcome> RunAsync(V1LifecycleHandler handler, ProbeTarget target, TimeSpan timeout, CancellationToken ct) =>
        RunAsync(handler.Exec, handler.HttpGet, handler.TcpSocket, null, target, timeout, ct);

    private async Task<ProbeOutcome> RunAsync(V1ExecAction? exec, V1HTTPGetAction? httpGet, V1TCPSocketAction? tcp, V1GRPCAction? grpc,
        ProbeTarget target, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            if (exec is not null) return await ExecAsync(exec, target, timeout, ct);
            if (httpGet is not null) return await HttpAsync(httpGet, target, timeout, ct);
            if (tcp is not null) return await TcpAsync(tcp, target, timeout, ct);
            if (grpc is not null) return await GrpcAsync(grpc, target, timeout, ct);
            return ProbeOutcome.Fail("missing probe handler");
        }
        catch (InvalidOperationException e)
        {
            return ProbeOutcome.Fail(e.Message);
        }
    }

    private async Task<ProbeOutcome> ExecAsync(V1ExecAction exec, ProbeTarget target, TimeSpan timeout, CancellationToken ct)
    {
        var request = new ExecSyncRequest { ContainerId = target.ContainerId, Timeout = (long)timeout.TotalSeconds };
        request.Cmd.AddRange(exec.Command ?? []);
        try
        {
            var r = await runtime.ExecSyncAsync(request, deadline: DateTime.UtcNow + timeout + TimeSpan.FromSeconds(5), cancellationToken: ct);
            var output = r.Stdout.ToStringUtf8() + r.Stderr.ToStringUtf8();
            return r.ExitCode == 0 ? ProbeOutcome.Ok(output) : ProbeOutcome.Fail(output);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded || e.Status.Detail.Contains("timeout", StringComparison.OrdinalIgnoreCase))
        {
            return ProbeOutcome.Fail($"command \"{string.Join(" ", exec.Command ?? [])}\" timed out");
        }
        catch (RpcException e)
        {
            return ProbeOutcome.Fail(e.Status.Detail);
        }
    }

    private async Task<ProbeOutcome> HttpAsync(V1HTTPGetAction get, ProbeTarget target, TimeSpan timeout, CancellationToken ct)
    {
        var scheme = string.Equals(get.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        var host = string.IsNullOrEmpty(get.Host) ? target.Host : get.Host;
        var path = string.IsNullOrEmpty(get.Path) ? "/" : get.Path.StartsWith('/') ? get.Path : "/" + get.Path;
        var url = $"{scheme}://{HostPart(host)}:{target.Port(get.Port)}{path}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.ParseAdd("kube-probe/1.32");
        foreach (var h in get.HttpHeaders ?? []) request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400 ? ProbeOutcome.Ok() : ProbeOutcome.Fail($"HTTP probe failed with statuscode: {code}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ProbeOutcome.Fail($"Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
        }
        catch (HttpRequestException e)
        {
            return ProbeOutcome.Fail($"Get \"{url}\": {Describe(e.InnerException as SocketException, host, target.Port(get.Port)) ?? e.Message}");
        }
    }

    private static async Task<ProbeOutcome> TcpAsync(V1TCPSocketAction tcp, ProbeTarget target, TimeSpan timeout, CancellationToken ct)
    {
        var host = string.IsNullOrEmpty(tcp.Host) ? target.Host : tcp.Host;
        var port = target.Port(tcp.Port);
        using var client = new TcpClient();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(host, port, cts.Token);
            return ProbeOutcome.Ok();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ProbeOutcome.Fail($"dial tcp {host}:{port}: i/o timeout");
        }
        catch (SocketException e)
        {
            return ProbeOutcome.Fail(Describe(e, host, port)!);
        }
    }

    /// <summary>grpc.health.v1.Health/Check with raw protobuf bytes: request field 1 = service, response field 1 = status (1 = SERVING).</summary>
    private static async Task<ProbeOutcome> GrpcAsync(V1GRPCAction grpc, ProbeTarget target, TimeSpan timeout, CancellationToken ct)
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, "grpc.health.v1.Health", "Check",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var service = grpc.Service ?? "";
        var request = service.Length == 0 ? [] : EncodeString(1, service);
        using var channel = GrpcChannel.ForAddress($"http://{HostPart(target.Host)}:{grpc.Port}");
        try
        {
            var response = await channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: ct), request);
            var status = response.Length >= 2 && response[0] == 0x08 ? response[1] : 0;
            return status == 1 ? ProbeOutcome.Ok() : ProbeOutcome.Fail($"service unhealthy (responded with \"{StatusName(status)}\")");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
        {
            return ProbeOutcome.Fail($"timeout: health rpc did not complete within {timeout.TotalSeconds}s");
        }
        catch (RpcException e)
        {
            return ProbeOutcome.Fail($"error: health rpc probe failed: {e.Status.Detail}");
        }
    }

    private static string StatusName(int status) => status switch { 0 => "UNKNOWN", 1 => "SERVING", 2 => "NOT_SERVING", 3 => "SERVICE_UNKNOWN", _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static byte[] EncodeString(int field, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var buffer = new List<byte> { (byte)(field << 3 | 2) };
        var len = (uint)bytes.Length;
        while (len >= 0x80) { buffer.Add((byte)(len | 0x80)); len >>= 7; }
        buffer.Add((byte)len);
        buffer.AddRange(bytes);
        return [.. buffer];
    }

    private static string HostPart(string host) => host.Contains(':') ? $"[{host}]" : host;

    /// <summary>Go's net error wording: <c>dial tcp 10.0.0.1:80: connect: connection refused</c>.</summary>
    private static string? Describe(SocketException? e, string host, int port) => e?.SocketErrorCode switch
    {
        null => null,
        SocketError.ConnectionRefused => $"dial tcp {HostPart(host)}:{port}: connect: connection refused",
        SocketError.TimedOut => $"dial tcp {HostPart(host)}:{port}: i/o timeout",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"dial tcp {HostPart(host)}:{port}: connect: no route to host",
        _ => $"dial tcp {HostPart(host)}:{port}: {e.Message}",
    };
}
