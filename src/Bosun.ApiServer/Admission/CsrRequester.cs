using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The CertificateSigningRequest strategy's PrepareForCreate: <c>spec.username</c>, <c>uid</c>, <c>groups</c> and
/// <c>extra</c> are the requester's, whatever the body says, because approval trusts them.
/// </summary>
internal sealed class CsrRequester : IAdmissionPlugin
{
    public Task MutateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (!request.IsCreate || !request.Is("certificates.k8s.io", "certificatesigningrequests") || request.User is not { } user) return Task.CompletedTask;
        var spec = request.Object.Ensure("spec");
        spec["username"] = user.Name;
        spec["uid"] = user.Uid.Length > 0 ? user.Uid : null;
        spec["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode)JsonValue.Create(g)).ToArray());
        spec.Remove("extra");
        if (spec["uid"] is null) spec.Remove("uid");
        return Task.CompletedTask;
    }
}
