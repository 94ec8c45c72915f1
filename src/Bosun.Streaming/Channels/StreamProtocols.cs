namespace Bosun.Streaming.Channels;

/// <summary>The protocol names negotiated for exec/attach/port-forward (subprotocols and <c>X-Stream-Protocol-Version</c>).</summary>
public static class StreamProtocols
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";
    public const string V3 = "v3.channel.k8s.io";
    public const string V2 = "v2.channel.k8s.io";
    public const string V1 = "channel.k8s.io";
    public const string PortForward = "portforward.k8s.io";

    /// <summary>kubectl ≥ 1.31 tunnels a whole SPDY port-forward connection through WebSocket binary messages.</summary>
    public const string SpdyOverWebSocketPortForward = "SPDY/3.1+portforward.k8s.io";

    public const string SpdyUpgrade = "SPDY/3.1";
    public const string ProtocolHeader = "X-Stream-Protocol-Version";

    /// <summary>The SPDY stream header naming a remote-command stream's role.</summary>
    public const string StreamTypeHeader = "streamtype";

    /// <summary>WebSocket channel numbers of the remote-command protocols (byte 0 of each binary message).</summary>
    public const byte StdinChannel = 0;
    public const byte StdoutChannel = 1;
    public const byte StderrChannel = 2;
    public const byte ErrorChannel = 3;
    public const byte ResizeChannel = 4;

    /// <summary>v5: <c>[255, channel]</c> from the client closes that channel (stdin EOF).</summary>
    public const byte CloseChannel = 255;
}
