using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Security.Certificates;

/// <summary>
/// What the CSR approver and signer decide for a certificates.k8s.io/v1 CertificateSigningRequest (upstream's
/// csrapproving and csrsigning controllers): node client certificates (<c>kubernetes.io/kube-apiserver-client-kubelet</c>)
/// for <c>system:node:&lt;name&gt;</c> in <c>system:nodes</c> are approved when their requester may create
/// <c>certificatesigningrequests/nodeclient</c> (a bootstrap token) or <c>/selfnodeclient</c> (the node itself renewing).
/// </summary>
internal static class CsrDecisions
{
    public const string KubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet";
    public const string ClientSigner = "kubernetes.io/kube-apiserver-client";
    public const string NodePrefix = "system:node:";
    public const string NodesGroup = "system:nodes";

    public static bool HasCondition(JsonObject csr, string type) =>
        csr.Obj("status")?["conditions"] is JsonArray a && a.OfType<JsonObject>().Any(c => c.Str("type") == type && c.Str("status") != "False");

    /// <summary>The request's PEM (spec.request is base64 of it), or null when it is not base64.</summary>
    public static string? RequestPem(JsonObject csr)
    {
        try
        {
            return csr.Obj("spec").Str("request") is { } b64 ? Encoding.ASCII.GetString(Convert.FromBase64String(b64)) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The subject's CN and Os of a PEM request, or null when it does not parse or its signature is wrong.</summary>
    public static (string CommonName, IReadOnlyList<string> Organizations)? Subject(string pem)
    {
        try
        {
            var request = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256);
            var rdns = request.SubjectName.EnumerateRelativeDistinguishedNames().Where(r => !r.HasMultipleElements).ToList();
            var cns = rdns.Where(r => r.GetSingleElementType().Value == SecurityNames.CommonNameOid).Select(r => r.GetSingleElementValue() ?? "").ToList();
            var orgs = rdns.Where(r => r.GetSingleElementType().Value == SecurityNames.OrganizationOid).Select(r => r.GetSingleElementValue() ?? "").ToList();
            var cn = cns.Count == 1 ? cns[0] : "";
            return (cn, orgs);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Which nodeclient subresource the requester needs: <c>selfnodeclient</c> when it is the node itself, else <c>nodeclient</c>; null when the CSR is no node client request.</summary>
    public static string? NodeClientPermission(JsonObject csr)
    {
        var spec = csr.Obj("spec");
        if (spec.Str("signerName") != KubeletClientSigner || RequestPem(csr) is not { } pem || Subject(pem) is not { } subject) return null;
        if (!subject.CommonName.StartsWith(NodePrefix, StringComparison.Ordinal) || subject.CommonName.Length == NodePrefix.Length) return null;
        if (subject.Organizations.Count != 1 || subject.Organizations[0] != NodesGroup) return null;
        var usages = spec?["usages"] is JsonArray u ? u.Select(x => x?.ToString()).ToList() : [];
        if (!usages.Contains("client auth") || usages.Any(x => x is not ("client auth" or "digital signature" or "key encipherment"))) return null;
        return spec.Str("username") == subject.CommonName ? "selfnodeclient" : "nodeclient";
    }

    public static JsonObject Condition(string type, string reason, string message, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = "True",
            ["reason"] = reason,
            ["message"] = message,
            ["lastUpdateTime"] = stamp,
            ["lastTransitionTime"] = stamp,
        };
    }

    /// <summary>spec.expirationSeconds when set (at least ten minutes), else a year.</summary>
    public static TimeSpan Validity(JsonObject csr) =>
        csr.Obj("spec").Long("expirationSeconds") is { } s ? TimeSpan.FromSeconds(Math.Max(s, 600)) : TimeSpan.FromDays(365);
}
