using System.Net;
using ARSoft.Tools.Net.Dns;
using Bosun.Dns.Zone;
using Microsoft.Extensions.Logging;

namespace Bosun.Dns;

/// <summary>
/// The wire side: ARSoft's DNS server on UDP and TCP at one address and port, answering from the current
/// <see cref="ClusterZone"/> snapshot and forwarding the rest. Holds no cluster state of its own.
/// </summary>
internal sealed partial class DnsServerHost : IDisposable
{
    private readonly DnsServer server;
    private readonly Func<ClusterZone> zone;
    private readonly Forwarder forwarder;
    private readonly int ttl;
    private readonly ILogger logger;

    public DnsServerHost(IPEndPoint endpoint, Func<ClusterZone> zone, Forwarder forwarder, int ttl, ILogger logger)
    {
        this.zone = zone;
        this.forwarder = forwarder;
        this.ttl = ttl;
        this.logger = logger;
        server = new DnsServer([new UdpServerTransport(endpoint, 2000), new TcpServerTransport(endpoint, 5000, 30000)]);
        server.QueryReceived += OnQueryAsync;
        server.ExceptionThrown += (_, e) => { Log.ServerError(logger, e.Exception); return Task.CompletedTask; };
    }

    public void Start() => server.Start();

    private async Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query) return;
        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = true;
        if (query.Questions.Count != 1)
        {
            response.ReturnCode = ReturnCode.FormatError;
            e.Response = response;
            return;
        }
        var question = query.Questions[0];
        var answer = Answerer.Answer(zone(), question.Name, question.RecordType, ttl);
        if (!answer.Forward)
        {
            response.IsAuthoritiveAnswer = true;
            response.ReturnCode = answer.Code;
            response.AnswerRecords.AddRange(answer.Answers);
            response.AuthorityRecords.AddRange(answer.Authority);
            response.AdditionalRecords.AddRange(answer.Additional);
        }
        else
        {
            var upstream = await forwarder.ForwardAsync(question, query.IsRecursionDesired, CancellationToken.None);
            if (upstream is null)
            {
                Log.ForwardFailed(logger, question.Name.ToString(), forwarder.Upstreams.Count);
                response.ReturnCode = ReturnCode.ServerFailure;
            }
            else
            {
                response.ReturnCode = upstream.ReturnCode;
                response.AnswerRecords.AddRange(upstream.AnswerRecords);
                response.AuthorityRecords.AddRange(upstream.AuthorityRecords);
                response.AdditionalRecords.AddRange(upstream.AdditionalRecords.Where(r => r is not OptRecord));
            }
        }
        e.Response = response;
    }

    public void Dispose() => server.Stop();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "DNS server error")]
        public static partial void ServerError(ILogger logger, Exception e);

        [LoggerMessage(Level = LogLevel.Debug, Message = "No upstream of {Count} answered for {Name}")]
        public static partial void ForwardFailed(ILogger logger, string name, int count);
    }
}
