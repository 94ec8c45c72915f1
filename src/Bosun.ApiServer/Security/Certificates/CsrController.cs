using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Authorization;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Security.Certificates;

/// <summary>
/// The CSR approver and signer, run inside the API server (which holds the cluster CA key): approves node client
/// requests whose requester the authorizer allows <c>create</c> on the nodeclient/selfnodeclient subresource, then
/// issues a certificate for every approved request of the two client signers that has none yet. Each change to a
/// CSR (a new request, <c>kubectl certificate approve</c>) reconciles that CSR at once.
/// </summary>
internal sealed class CsrController(IKeyValueStore storage, ResourceCatalog catalog, ClusterPki pki, IAuthorizer authorizer, TimeProvider time)
    : Controllers.IWatchedController
{
    private GenericStore Store => catalog.Get("certificates.k8s.io", "v1", "certificatesigningrequests");

    private string Prefix => Store.Registration.StoragePrefix;

    public bool Interested(string storageKey) => storageKey.StartsWith(Prefix, StringComparison.Ordinal);

    public async Task<long> ListAsync(Action<string> enqueue, CancellationToken ct)
    {
        var all = await storage.RangeAsync(new RangeRequest(Prefix), ct).ConfigureAwait(false);
        foreach (var kv in all.Items) enqueue(kv.Key[Prefix.Length..]);
        return all.Revision;
    }

    public IEnumerable<string> KeysOf(WatchEvent change) =>
        change.Type == WatchEventType.Put ? [change.Kv.Key[Prefix.Length..]] : [];

    /// <summary>Approves (when allowed) and signs one CSR by name.</summary>
    public async Task ReconcileAsync(string name, CancellationToken ct)
    {
        var store = Store;
        if (await storage.GetAsync(store.Registration.Key(null, name), ct).ConfigureAwait(false) is not { } kv) return;
        var csr = Json.ParseObject(kv.Value.Span);
        if (CsrDecisions.HasCondition(csr, "Denied") || CsrDecisions.HasCondition(csr, "Failed") || csr.Obj("status").Str("certificate") is not null) return;
        if (!CsrDecisions.HasCondition(csr, "Approved"))
        {
            if (!MayAutoApprove(csr)) return;
            await WriteStatusAsync(store, name, s => Conditions(s).Add(CsrDecisions.Condition("Approved", "AutoApproved",
                "Auto approving kubelet client certificate after SubjectAccessReview.", time.GetUtcNow())), ct).ConfigureAwait(false);
        }
        await SignAsync(store, csr, name, ct).ConfigureAwait(false);
    }

    private bool MayAutoApprove(JsonObject csr)
    {
        if (CsrDecisions.NodeClientPermission(csr) is not { } sub) return false;
        var spec = csr.Obj("spec");
        var groups = spec?["groups"] is JsonArray g ? g.Select(x => x?.ToString() ?? "").ToList() : [];
        var requester = new UserInfo(spec.Str("username") ?? "", spec.Str("uid") ?? "", groups);
        var attributes = AuthorizationAttributes.ForResource(requester, "create", "certificates.k8s.io", "certificatesigningrequests", subresource: sub);
        return authorizer.Authorize(attributes).Decision == Decision.Allow;
    }

    private async Task SignAsync(GenericStore store, JsonObject csr, string name, CancellationToken ct)
    {
        var signer = csr.Obj("spec").Str("signerName");
        if (signer is not (CsrDecisions.KubeletClientSigner or CsrDecisions.ClientSigner)) return;
        if (CsrDecisions.RequestPem(csr) is not { } pem) return;
        string certificate;
        try
        {
            using var cert = pki.SignClientRequest(pem, CsrDecisions.Validity(csr));
            certificate = Convert.ToBase64String(Encoding.ASCII.GetBytes(ClusterPki.ExportCertificatePem(cert)));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            await WriteStatusAsync(store, name, s => Conditions(s).Add(CsrDecisions.Condition("Failed", "SigningError",
                "the request could not be parsed or its signature is invalid", time.GetUtcNow())), ct).ConfigureAwait(false);
            return;
        }
        await WriteStatusAsync(store, name, s => s["certificate"] = certificate, ct).ConfigureAwait(false);
    }

    private static JsonArray Conditions(JsonObject status) => status["conditions"] as JsonArray ?? (JsonArray)(status["conditions"] = new JsonArray());

    private static Task WriteStatusAsync(GenericStore store, string name, Action<JsonObject> change, CancellationToken ct) =>
        store.UpdateAsync(null, name, UpdateKind.Status, current =>
        {
            change(current.Ensure("status"));
            return current;
        }, new WriteOptions { FieldManager = "csr-controller" }, ct);
}
