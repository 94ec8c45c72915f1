using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>
/// <c>POST …/pods/{name}/eviction</c> with a policy/v1 (or v1beta1) Eviction: deletes the pod with the eviction's
/// deleteOptions and answers 201 with a Success Status, as kube-apiserver does (kubectl drain), unless a
/// PodDisruptionBudget forbids it.
/// </summary>
/// <remarks>
/// The budget check (upstream's checkAndDecrement): the PodDisruptionBudgets of the pod's namespace are read from
/// storage through <paramref name="budgets"/> (the catalog's poddisruptionbudgets store; null = no check). A pod that
/// is finished, pending or already being deleted is evicted without a check; a pod with more than one budget is a
/// 500; with one, the eviction is refused with 429 TooManyRequests (cause DisruptionBudget) when
/// <c>status.disruptionsAllowed</c> is 0 or the status is older than the spec, and otherwise disruptionsAllowed is
/// decremented and the pod recorded in <c>status.disruptedPods</c> — a compare-and-swap on the budget's status, retried
/// on a concurrent write, so two evictions never spend the same disruption — before the pod is deleted. The
/// disruption controller then recomputes the status from the pods. A not-ready pod may go without spending a
/// disruption while the budget is healthy (the default unhealthyPodEvictionPolicy, IfHealthyBudget).
/// </remarks>
internal sealed class EvictionHandler(ResponseWriter responses, GenericStore? budgets = null)
{
    public const string ViolationMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

    public async Task HandleAsync(HttpContext ctx, GenericStore pods, string? ns, string name, CancellationToken ct)
    {
        var body = await RequestBody.ReadObjectAsync(ctx.Request, ct);
        var options = Parse(body, name, ctx.Request.Query.DryRun("CreateOptions"));
        // Admission sees the eviction (CREATE on pods/eviction); the delete it leads to is the server's own.
        if (pods.Admission is { } admission && Security.HttpContextUserExtensions.GetUser(ctx) is { } user)
            await admission.ValidateAsync(new Admission.AdmissionRequest("CREATE", pods.Registration, ns, body, null, user, options.DryRun, "eviction"), ct);
        if (budgets is not null) await CheckBudgetAsync(await pods.GetAsync(ns, name, ct), ns, name, options.DryRun, ct);
        await pods.DeleteAsync(ns, name, options, ct);
        await responses.BytesAsync(ctx, Json.ToBytes(Success()), 201);
    }

    private async Task CheckBudgetAsync(JsonObject pod, string? ns, string name, bool dryRun, CancellationToken ct)
    {
        var phase = pod.Obj("status").Str("phase");
        if (phase is "Succeeded" or "Failed" or "Pending" || pod.Obj("metadata").Str("deletionTimestamp") is not null) return;

        var labels = pod.Obj("metadata").Obj("labels");
        var matching = (await budgets!.ListAsync(ns, new ListOptions(), ct)).Items.Where(b => Selects(b, labels)).ToList();
        if (matching.Count == 0) return;
        if (matching.Count > 1)
            throw ApiException.Internal("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");

        var pdbName = matching[0].Obj("metadata").Str("name")!;
        var ready = pod.Obj("status").Arr("conditions")?.OfType<JsonObject>()
            .Any(c => c.Str("type") == "Ready" && c.Str("status") == "True") == true;
        var write = new WriteOptions { DryRun = dryRun };
        await budgets.UpdateAsync(ns, pdbName, UpdateKind.Status, current =>
        {
            var status = current.Ensure("status");
            var allowed = status.Long("disruptionsAllowed") ?? 0;
            if (!ready && (status.Long("currentHealthy") ?? 0) >= (status.Long("desiredHealthy") ?? 0)) return current;
            if ((status.Long("observedGeneration") ?? 0) < (current.Obj("metadata").Long("generation") ?? 0))
                throw TooManyRequests($"The disruption budget {pdbName} is still being processed by the server.");
            if (allowed < 0) throw ApiException.Forbidden("policy", "poddisruptionbudgets", pdbName, "pdb disruptions allowed is negative");
            if (allowed == 0)
                throw TooManyRequests($"The disruption budget {pdbName} needs {status.Long("desiredHealthy") ?? 0} healthy pods and has {status.Long("currentHealthy") ?? 0} currently");
            status["disruptionsAllowed"] = allowed - 1;
            status.Ensure("disruptedPods")[name] = budgets.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            return current;
        }, write, ct);
    }

    private static ApiException TooManyRequests(string cause) =>
        new(429, "TooManyRequests", ViolationMessage) { Causes = [new StatusCause("DisruptionBudget", cause, null)] };

    /// <summary>policy/v1: a missing selector selects nothing, an empty one every pod of the namespace.</summary>
    private static bool Selects(JsonObject pdb, JsonObject? labels)
    {
        if (pdb.Obj("spec").Obj("selector") is not { } selector) return false;
        var parsed = System.Text.Json.JsonSerializer.Deserialize<k8s.Models.V1LabelSelector>(selector);
        return Bosun.Api.LabelSelector.FromLabelSelector(parsed).Matches(labels);
    }

    /// <summary>The Eviction's deleteOptions as the store's options; the body must name the URL's pod.</summary>
    internal static DeleteOptions Parse(JsonObject body, string name, bool dryRunQuery)
    {
        if (body.Str("kind") is { } kind && kind != "Eviction")
            throw ApiException.BadRequest($"expected an Eviction body, got kind \"{kind}\"");
        var bodyName = body.Obj("metadata").Str("name");
        if (bodyName != name)
            throw ApiException.BadRequest("name in URL does not match name in Eviction object");
        var options = body.Obj("deleteOptions");
        var pre = options.Obj("preconditions");
        var dryRun = dryRunQuery || options.Arr("dryRun") is { Count: > 0 } d && d.Any(v => v?.ToString() == "All");
        return new DeleteOptions
        {
            GracePeriodSeconds = options.Long("gracePeriodSeconds"),
            PropagationPolicy = options.Str("propagationPolicy") is { Length: > 0 } p ? p : null,
            PreconditionUid = pre.Str("uid"),
            PreconditionResourceVersion = pre.Str("resourceVersion"),
            DryRun = dryRun,
        };
    }

    internal static JsonObject Success() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
    };
}
