using System.Collections.Concurrent;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Bosun.Dns;

/// <summary>
/// Sends names outside the cluster zone to the host's resolvers, in order until one answers (CoreDNS's
/// <c>forward</c>), and keeps answers for at most the smaller of their TTL and the cache limit (its <c>cache</c>).
/// </summary>
internal sealed class Forwarder(IReadOnlyList<IPEndPoint> upstreams, int timeoutMs, int cacheSeconds, TimeProvider time)
{
    private readonly DnsClient[] clients = upstreams
        .Select(u => new DnsClient([u.Address], [new UdpClientTransport(u.Port), new TcpClientTransport(u.Port)], true, timeoutMs))
        .ToArray();
    private readonly ConcurrentDictionary<(DomainName, RecordType), (DnsMessage Answer, DateTimeOffset Expires)> cache = new();

    public IReadOnlyList<IPEndPoint> Upstreams => upstreams;

    /// <summary>The upstream's answer, or null when none answered (the caller says SERVFAIL).</summary>
    public async Task<DnsMessage?> ForwardAsync(DnsQuestion question, bool recursionDesired, CancellationToken ct)
    {
        var key = (question.Name, question.RecordType);
        var now = time.GetUtcNow();
        if (cache.TryGetValue(key, out var hit) && hit.Expires > now) return hit.Answer;
        foreach (var client in clients)
        {
            var query = new DnsMessage { IsRecursionDesired = recursionDesired, Questions = { new DnsQuestion(question.Name, question.RecordType, question.RecordClass) } };
            DnsMessage? answer;
            try { answer = await client.SendMessageAsync(query, ct); }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException) { continue; }
            if (answer is null || answer.ReturnCode is ReturnCode.ServerFailure or ReturnCode.Refused) continue;
            Remember(key, answer, now);
            return answer;
        }
        return null;
    }

    private void Remember((DomainName, RecordType) key, DnsMessage answer, DateTimeOffset now)
    {
        if (cacheSeconds <= 0) return;
        var records = answer.AnswerRecords.Concat(answer.AuthorityRecords).ToList();
        var ttl = records.Count == 0 ? cacheSeconds : Math.Min(cacheSeconds, records.Min(r => r.TimeToLive));
        if (ttl <= 0) return;
        if (cache.Count > 10_000) cache.Clear();   // crude bound; a busy node re-fills it within seconds
        cache[key] = (answer, now.AddSeconds(ttl));
    }
}
