using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace Bosun.ApiServer.Security;

/// <summary>One certificate found under a data dir, for <c>bosun certificate check</c>.</summary>
public sealed record CertificateStatus(string File, string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter, int DaysLeft, string State)
{
    public string SerialNumber { get; init; } = "";
}

/// <summary>
/// Finds the certificates Bosun keeps under a data dir — the server's <c>tls/</c> tree, the client certificates embedded
/// in <c>server/cred/*.kubeconfig</c> and <c>admin.kubeconfig</c>, and the agent's <c>agent/*.crt</c> and <c>agent/tls/</c> — and
/// says for each whether it is OK, EXPIRING (inside the renewal window) or EXPIRED.
/// </summary>
public static partial class CertificateInventory
{
    public static IReadOnlyList<CertificateStatus> Scan(string dataDir, DateTimeOffset now)
    {
        var rows = new List<CertificateStatus>();
        foreach (var path in Files(dataDir))
        {
            var pem = ReadPem(path);
            if (pem is null) continue;
            try
            {
                using var cert = X509Certificate2.CreateFromPem(pem);
                rows.Add(Describe(Path.GetRelativePath(dataDir, path), cert, now));
            }
            catch (CryptographicException)
            {
                rows.Add(new CertificateStatus(Path.GetRelativePath(dataDir, path), "", "", default, default, 0, "UNREADABLE"));
            }
        }
        return rows;
    }

    public static CertificateStatus Describe(string file, X509Certificate2 cert, DateTimeOffset now)
    {
        var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime());
        var left = notAfter - now;
        var state = left <= TimeSpan.Zero ? "EXPIRED" : left <= ClusterPki.RenewBefore ? "EXPIRING" : "OK";
        return new CertificateStatus(file, cert.Subject, cert.Issuer, new DateTimeOffset(cert.NotBefore.ToUniversalTime()), notAfter,
            (int)Math.Floor(left.TotalDays), state) { SerialNumber = cert.SerialNumber };
    }

    /// <summary>A fixed-width table like kubeadm's <c>certs check-expiration</c>.</summary>
    public static string FormatTable(IReadOnlyList<CertificateStatus> rows)
    {
        string[] header = ["FILE", "SUBJECT", "ISSUER", "NOT BEFORE", "NOT AFTER", "DAYS LEFT", "STATUS"];
        var cells = rows.Select(r => new[]
        {
            r.File, r.Subject, r.Issuer, Time(r.NotBefore), Time(r.NotAfter), r.DaysLeft.ToString(CultureInfo.InvariantCulture), r.State,
        }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => cells.Max(c => c[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in cells)
            text.AppendLine(string.Join("   ", row.Select((c, i) => i == row.Length - 1 ? c : c.PadRight(widths[i]))));
        return text.ToString();
    }

    private static string Time(DateTimeOffset t) => t == default ? "" : t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static IEnumerable<string> Files(string dataDir)
    {
        var server = Path.Combine(dataDir, "server");
        var agent = Path.Combine(dataDir, "agent");
        IEnumerable<string> Glob(string dir, string pattern, SearchOption option) =>
            Directory.Exists(dir) ? Directory.EnumerateFiles(dir, pattern, option).Order(StringComparer.Ordinal) : [];
        return Glob(Path.Combine(server, "tls"), "*.crt", SearchOption.AllDirectories)
            .Concat(Glob(Path.Combine(server, "cred"), "*.kubeconfig", SearchOption.TopDirectoryOnly))
            .Concat(Glob(dataDir, "*.kubeconfig", SearchOption.TopDirectoryOnly))
            .Concat(Glob(agent, "*.crt", SearchOption.TopDirectoryOnly))
            .Concat(Glob(Path.Combine(agent, "tls"), "*.crt", SearchOption.TopDirectoryOnly));
    }

    /// <summary>The certificate PEM of a .crt file, or the client certificate embedded in a kubeconfig (null: none).</summary>
    private static string? ReadPem(string path)
    {
        var text = File.ReadAllText(path);
        if (!path.EndsWith(".kubeconfig", StringComparison.Ordinal)) return text;
        var match = ClientCertificateData().Match(text);
        if (!match.Success) return null;
        try { return Encoding.ASCII.GetString(Convert.FromBase64String(match.Groups[1].Value)); }
        catch (FormatException) { return ""; }
    }

    [GeneratedRegex(@"client-certificate-data:\s*(\S+)")]
    private static partial Regex ClientCertificateData();
}
