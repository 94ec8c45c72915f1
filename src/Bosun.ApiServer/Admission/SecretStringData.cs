using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// Secret <c>stringData</c> is write-only convenience: kube-apiserver's conversion merges it into <c>data</c>
/// (base64, stringData winning) and never stores it. Done here for creates and updates alike.
/// </summary>
internal sealed class SecretStringData : IAdmissionPlugin
{
    public Task MutateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (request.Is("", "secrets") && request.Subresource.Length == 0) Merge(request.Object);
        return Task.CompletedTask;
    }

    internal static void Merge(JsonObject secret)
    {
        if (secret["stringData"] is not JsonObject strings) return;
        var data = secret["data"] as JsonObject ?? (JsonObject)(secret["data"] = new JsonObject());
        foreach (var (k, v) in strings) data[k] = Convert.ToBase64String(Encoding.UTF8.GetBytes(v?.ToString() ?? ""));
        secret.Remove("stringData");
    }
}
