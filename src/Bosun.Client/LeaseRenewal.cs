using System.Globalization;
using System.Text.Json.Nodes;

namespace Bosun.Client;

/// <summary>The merge patch a node (real or simulated) sends to renew its Lease in <c>kube-node-lease</c>.</summary>
public static class LeaseRenewal
{
    /// <summary><c>spec.holderIdentity</c>, <c>leaseDurationSeconds</c> and <c>renewTime</c> in MicroTime (microseconds, as kubelet writes it).</summary>
    public static string Patch(string holder, int leaseDurationSeconds, DateTime now) => new JsonObject
    {
        ["spec"] = new JsonObject
        {
            ["holderIdentity"] = holder,
            ["leaseDurationSeconds"] = leaseDurationSeconds,
            ["renewTime"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        },
    }.ToJsonString();
}
