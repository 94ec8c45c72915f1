using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry;

/// <summary>Decides whether a delete removes the object now or only marks it (grace period, finalizers).</summary>
internal static class Deletion
{
    public const string OrphanFinalizer = "orphan";
    public const string ForegroundFinalizer = "foregroundDeletion";

    /// <summary>
    /// Null when the object should be removed now; otherwise the object as it should be stored, with
    /// <c>deletionTimestamp</c> set (now + grace) and the finalizer the propagation policy asks for.
    /// </summary>
    public static JsonObject? PlanGraceful(ResourceRegistration reg, JsonObject current, DeleteOptions options, DateTimeOffset now)
    {
        var grace = reg.Strategy.GracePeriodSeconds(current, options.GracePeriodSeconds) ?? 0;
        var pending = current.DeepClone().AsObject();
        var meta = pending.Obj("metadata")!;
        var finalizers = meta.Arr("finalizers")?.Select(f => f?.GetValue<string>()).OfType<string>().ToList() ?? [];
        if (PolicyFinalizer(options.PropagationPolicy) is { } policy && !finalizers.Contains(policy)) finalizers.Add(policy);
        var blocked = finalizers.Count > 0 || reg.Strategy.BlocksDeletion(current);

        if (meta["deletionTimestamp"] is not null)
        {
            // A second delete may still add the finalizer its propagation policy asks for (updateForGracefulDeletionAndFinalizers)…
            if (finalizers.Count != (meta.Arr("finalizers")?.Count ?? 0))
                meta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
            // …and may only shorten the grace period.
            var existing = meta.Long("deletionGracePeriodSeconds") ?? 0;
            if (grace >= existing) return pending;
            if (grace == 0 && !blocked) return null;
            SetDeletion(meta, now, grace);
            return pending;
        }

        if (grace == 0 && !blocked) return null;
        SetDeletion(meta, now, grace);
        if (finalizers.Count > 0) meta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
        reg.Strategy.PrepareForDelete(pending);
        return pending;
    }

    private static void SetDeletion(JsonObject meta, DateTimeOffset now, long grace)
    {
        meta["deletionTimestamp"] = ObjectCodec.FormatTime(now.AddSeconds(grace));
        meta["deletionGracePeriodSeconds"] = grace;
    }

    private static string? PolicyFinalizer(string? policy) => policy switch
    {
        "Orphan" => OrphanFinalizer,
        "Foreground" => ForegroundFinalizer,
        _ => null,
    };
}
