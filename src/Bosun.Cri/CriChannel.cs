using System.Net.Sockets;
using Bosun.Cri.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Bosun.Cri;

/// <summary>
/// A gRPC connection to a CRI runtime's unix socket (h2c with prior knowledge, as containerd expects), exposing the
/// generated runtime and image clients. One instance per agent; the underlying HTTP/2 connection is shared.
/// </summary>
public sealed class CriChannel : IDisposable
{
    private readonly GrpcChannel? _channel;

    private CriChannel(GrpcChannel channel)
        : this(channel.CreateCallInvoker()) => _channel = channel;

    private CriChannel(CallInvoker invoker)
    {
        Runtime = new RuntimeService.RuntimeServiceClient(invoker);
        Images = new ImageService.ImageServiceClient(invoker);
    }

    /// <summary>Calls go to <paramref name="invoker"/>: an in-memory runtime in the agent's unit tests.</summary>
    public static CriChannel ForInvoker(CallInvoker invoker) => new(invoker);

    public RuntimeService.RuntimeServiceClient Runtime { get; }

    public ImageService.ImageServiceClient Images { get; }

    /// <summary>Connects lazily: the socket is dialled on the first call. <paramref name="endpoint"/> is a path or <c>unix://path</c>.</summary>
    public static CriChannel ForUnixSocket(string endpoint)
    {
        var path = endpoint.StartsWith("unix://", StringComparison.Ordinal) ? endpoint["unix://".Length..] : endpoint;
        if (!Path.IsPathRooted(path)) throw new ArgumentException($"CRI endpoint must be an absolute unix socket path: {endpoint}", nameof(endpoint));
        var socket = new UnixDomainSocketEndPoint(path);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(socket, ct);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
            EnableMultipleHttp2Connections = true,
        };
        var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 16 << 20,
        });
        return new CriChannel(channel);
    }

    public void Dispose() => _channel?.Dispose();
}
