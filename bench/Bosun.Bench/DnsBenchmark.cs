using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bosun.Dns;
using Bosun.Dns.Zone;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Bench;

/// <summary>
/// Cluster DNS throughput: the server (ARSoft on UDP, answering from a zone of 1,000 Services) on a free loopback
/// port in this process, 8 closed-loop clients each sending A queries for random cluster names over their own UDP
/// socket (hand-encoded queries, so the client costs little). Queries/s and p99 latency per round, median of rounds.
/// </summary>
internal static class DnsBenchmark
{
    private const int Clients = 8;
    private const int ServiceCount = 1000;
    private const int Rounds = 3;

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan duration)
    {
        var services = Enumerable.Range(0, ServiceCount).Select(i => new V1Service
        {
            Metadata = new V1ObjectMeta { Name = $"svc-{i}", NamespaceProperty = "bench" },
            Spec = new V1ServiceSpec { ClusterIP = $"10.96.{i / 250 + 1}.{i % 250 + 1}", Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }] },
        }).ToList();
        var zone = ClusterZone.Build("cluster.local", services, []);
        var port = FreePort();
        var forwarder = new Forwarder([], 1000, 0, TimeProvider.System);
        using var server = new DnsServerHost(new IPEndPoint(IPAddress.Loopback, port), () => zone, forwarder, 5, NullLogger.Instance);
        server.Start();

        var rates = new List<double>();
        var p99s = new List<double>();
        var p50s = new List<double>();
        await RoundAsync(port, TimeSpan.FromSeconds(1));   // warm-up: JIT
        for (var round = 0; round < Rounds; round++)
        {
            var (rate, p50, p99, errors) = await RoundAsync(port, duration);
            rates.Add(rate);
            p50s.Add(p50);
            p99s.Add(p99);
            Console.WriteLine($"  round {round + 1}: {rate:N0} queries/s, p50 {p50:0.00} ms, p99 {p99:0.00} ms, errors {errors}");
        }
        var median = Stats.Median(rates);
        var p99Median = Stats.Median(p99s);
        Console.WriteLine($"dns: {Clients} clients: {median:N0} queries/s, p99 {p99Median:0.00} ms");
        return
        [
            new($"D1. cluster DNS, {Clients} concurrent clients", $"{median:N0} queries/s (p99 {p99Median:0.00} ms)", "report only", true,
                $"A queries for random names of {ServiceCount} Services over UDP on loopback, closed loop, server and clients share the machine; p50 {Stats.Median(p50s):0.00} ms; median of {Rounds} rounds of {duration.TotalSeconds:0} s"),
        ];
    }

    private static async Task<(double Rate, double P50, double P99, int Errors)> RoundAsync(int port, TimeSpan duration)
    {
        var latencies = new List<double>[Clients];
        var errors = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>(100_000);
            var random = new Random(c);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            var buffer = new byte[512];
            ushort id = 0;
            while (stop.Elapsed < duration)
            {
                var query = Query(++id, $"svc-{random.Next(ServiceCount)}.bench.svc.cluster.local");
                var t = Stopwatch.GetTimestamp();
                await socket.SendAsync(query);
                using var timeout = new CancellationTokenSource(1000);
                try
                {
                    int n;
                    do { n = await socket.ReceiveAsync(buffer, timeout.Token); }
                    while (BinaryPrimitives.ReadUInt16BigEndian(buffer) != id);
                    if ((buffer[3] & 0x0F) != 0 || BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(6)) != 1) Interlocked.Increment(ref errors);
                    mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
                catch (OperationCanceledException) { Interlocked.Increment(ref errors); }
            }
        })));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return (all.Length / stop.Elapsed.TotalSeconds, Stats.Percentile(all, 0.5), Stats.Percentile(all, 0.99), errors);
    }

    /// <summary>A DNS query message: header (RD set, one question), the name as labels, type A, class IN.</summary>
    private static byte[] Query(ushort id, string name)
    {
        var bytes = new List<byte>(64);
        bytes.AddRange([(byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.AddRange([0, 0, 1, 0, 1]);
        return [.. bytes];
    }

    private static int FreePort()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)udp.LocalEndPoint!).Port;
    }
}
