using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;

namespace Bosun.Storage.Etcd;

/// <summary>
/// One gRPC channel per etcd member and the member currently in use. A call that finds its member unreachable,
/// leaderless or too slow moves to the next member and tries again until <see cref="EtcdStoreOptions.UnavailableTimeout"/>.
/// </summary>
internal sealed class EtcdConnection : IDisposable
{
    private static readonly TimeSpan RoundBackoff = TimeSpan.FromMilliseconds(200);
    private readonly GrpcChannel[] _channels;
    private readonly EtcdStoreOptions _options;
    private int _current;

    public EtcdConnection(EtcdStoreOptions options)
    {
        _options = options;
        var tls = EtcdTls.Load(options);
        _channels = options.Endpoints.Select(uri => GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            HttpHandler = CreateHandler(tls),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        })).ToArray();
    }

    public IReadOnlyList<Uri> Endpoints => _options.Endpoints;

    /// <summary>Runs a unary call on the current member, failing over on errors that another member may not have.</summary>
    public async Task<T> CallAsync<T>(Func<CallInvoker, CallOptions, Task<T>> call, CancellationToken ct)
    {
        var giveUpAt = DateTime.UtcNow + _options.UnavailableTimeout;
        for (var attempt = 1; ; attempt++)
        {
            var index = Volatile.Read(ref _current);
            try
            {
                var options = new CallOptions(deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: ct);
                return await call(_channels[index].CreateCallInvoker(), options);
            }
            catch (RpcException e) when (IsRetryable(e) && !ct.IsCancellationRequested)
            {
                if (DateTime.UtcNow >= giveUpAt)
                    throw new StorageException(StorageErrorKind.Unavailable, $"etcd is unavailable: {e.Status.Detail}", e);
                MoveOn(index);
                if (attempt % _channels.Length == 0)
                    await Task.Delay(RoundBackoff, ct);
            }
        }
    }

    /// <summary>The channel of the current member, for streams (watch, snapshot) that do their own retrying.</summary>
    public (CallInvoker Invoker, int Index) Current()
    {
        var index = Volatile.Read(ref _current);
        return (_channels[index].CreateCallInvoker(), index);
    }

    /// <summary>Leaves member <paramref name="index"/> for the next one, unless another caller already did.</summary>
    public void MoveOn(int index) =>
        Interlocked.CompareExchange(ref _current, (index + 1) % _channels.Length, index);

    /// <summary>Errors another member may not have: unreachable, no leader, leader changed, timed out.</summary>
    public static bool IsRetryable(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
        && !e.Status.Detail.Contains("compacted", StringComparison.Ordinal);

    public void Dispose()
    {
        foreach (var channel in _channels)
            channel.Dispose();
    }

    private static SocketsHttpHandler CreateHandler(EtcdTls tls) => new()
    {
        EnableMultipleHttp2Connections = true,
        KeepAlivePingDelay = TimeSpan.FromSeconds(10),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = tls.ClientCertificate is null ? null : new X509CertificateCollection { tls.ClientCertificate },
            RemoteCertificateValidationCallback = tls.Validate,
        },
    };
}
