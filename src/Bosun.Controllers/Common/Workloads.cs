using System.Globalization;
using System.Text.Json;
using Bosun.Client;
using k8s;
using k8s.Models;

namespace Bosun.Controllers.Common;

/// <summary>Helpers shared by the Job, DaemonSet and StatefulSet controllers: pods from templates, ownership, revisions.</summary>
internal static class Workloads
{
    public const string RevisionHashLabel = "controller-revision-hash";

    /// <summary>The key of the owner of kind <paramref name="kind"/> that controls <paramref name="meta"/>, if any.</summary>
    public static ObjectKey? OwnerKey(V1ObjectMeta meta, string apiVersion, string kind) =>
        Objects.ControllerOf(meta) is { } r && r.Kind == kind && r.ApiVersion == apiVersion
            ? new ObjectKey(meta.NamespaceProperty ?? "", r.Name)
            : null;

    /// <summary>
    /// Wires pod events to the owners' queue, telling <paramref name="expectations"/> about the creations and
    /// deletions the owner's controller is waiting for (the handler shared by the Job and DaemonSet controllers).
    /// </summary>
    public static void EnqueueOwnersOfPods(Informer<V1Pod> pods, Func<V1Pod, ObjectKey?> ownerKey, Expectations expectations, WorkQueue<ObjectKey> queue) =>
        pods.On(
            added: p => { if (ownerKey(p) is { } k) { expectations.CreationObserved(k); queue.Add(k); } },
            updated: (old, p) =>
            {
                if (ownerKey(p) is not { } k) return;
                if (p.Metadata.DeletionTimestamp is not null && old.Metadata.DeletionTimestamp is null) expectations.DeletionObserved(k, p.Metadata.Uid);
                queue.Add(k);
            },
            deleted: p => { if (ownerKey(p) is { } k) { expectations.DeletionObserved(k, p.Metadata.Uid); queue.Add(k); } });

    /// <summary>Objects in the owner's namespace whose controller reference names the owner's uid.</summary>
    public static List<T> Owned<T>(Informer<T> informer, IKubernetesObject<V1ObjectMeta> owner) where T : class, IKubernetesObject<V1ObjectMeta> =>
        informer.List(owner.Metadata.NamespaceProperty ?? "").Where(o => Objects.IsControlledBy(o.Metadata, owner.Metadata)).ToList();

    /// <summary>A new pod from a template, controlled by <paramref name="owner"/>.</summary>
    public static V1Pod PodFromTemplate(IKubernetesObject<V1ObjectMeta> owner, string apiVersion, string kind, V1PodTemplateSpec? template,
        string? name = null, IDictionary<string, string>? extraLabels = null)
    {
        var labels = template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>();
        if (extraLabels is not null) foreach (var (k, v) in extraLabels) labels[k] = v;
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                GenerateName = name is null ? owner.Metadata.Name + "-" : null,
                NamespaceProperty = owner.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = template?.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : null,
                Finalizers = template?.Metadata?.Finalizers?.ToList(),
                OwnerReferences = [Objects.ControllerRef(owner, apiVersion, kind)],
            },
            Spec = template?.Spec is { } spec ? Objects.Clone(spec) : new V1PodSpec(),
        };
    }

    public static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    /// <summary>ControllerRevision data as upstream stores it for DaemonSets and StatefulSets: a patch holding the template.</summary>
    public static object RevisionData(V1PodTemplateSpec? template)
    {
        var t = JsonSerializer.Deserialize<JsonElement>(ModelJson.Serialize(template ?? new V1PodTemplateSpec()));
        return new Dictionary<string, object> { ["spec"] = new Dictionary<string, object> { ["template"] = t, ["$patch"] = "replace" } };
    }

    /// <summary>The template stored in a ControllerRevision by <see cref="RevisionData"/>, or null.</summary>
    public static V1PodTemplateSpec? RevisionTemplate(V1ControllerRevision revision)
    {
        if (revision.Data is null) return null;
        using var doc = JsonDocument.Parse(ModelJson.Serialize(revision.Data));
        return doc.RootElement.TryGetProperty("spec", out var spec) && spec.TryGetProperty("template", out var t)
            ? ModelJson.Deserialize<V1PodTemplateSpec>(t)
            : null;
    }

    public static string RevisionName(string owner, string hash) => $"{owner}-{hash}";

    /// <summary>
    /// Finds or creates the ControllerRevision for the owner's current template (revision max+1 for a new one) and
    /// returns it with every revision the owner controls.
    /// </summary>
    public static async Task<(V1ControllerRevision Current, List<V1ControllerRevision> All)> EnsureRevisionAsync(ControllerContext context,
        Informer<V1ControllerRevision> revisions, IKubernetesObject<V1ObjectMeta> owner, string apiVersion, string kind,
        V1PodTemplateSpec? template, IDictionary<string, string>? labels, CancellationToken ct)
    {
        var hash = Deployments.DeploymentRules.TemplateHash(template, null);
        var name = RevisionName(owner.Metadata.Name, hash);
        var all = Owned(revisions, owner);
        if (all.FirstOrDefault(r => r.Metadata.Name == name) is { } existing) return (existing, all);
        var revision = new V1ControllerRevision
        {
            ApiVersion = "apps/v1",
            Kind = "ControllerRevision",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = owner.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(labels ?? new Dictionary<string, string>()) { [RevisionHashLabel] = hash },
                OwnerReferences = [Objects.ControllerRef(owner, apiVersion, kind)],
            },
            Data = RevisionData(template),
            Revision = all.Count == 0 ? 1 : all.Max(r => r.Revision) + 1,
        };
        try
        {
            revision = await context.Api.CreateAsync(owner.Metadata.NamespaceProperty, revision, ct);
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            revision = await context.Api.GetAsync<V1ControllerRevision>(owner.Metadata.NamespaceProperty, name, ct);
        }
        all.Add(revision);
        return (revision, all);
    }

    /// <summary>Deletes the oldest revisions beyond <paramref name="limit"/> that no live pod uses.</summary>
    public static async Task TrimRevisionsAsync(ControllerContext context, List<V1ControllerRevision> all, IEnumerable<string> inUse, int limit, CancellationToken ct)
    {
        var used = inUse.ToHashSet();
        var candidates = all.Where(r => !used.Contains(r.Metadata.Name)).OrderBy(r => r.Revision).ToList();
        foreach (var r in candidates.Take(Math.Max(0, candidates.Count - limit)))
            await context.Api.DeleteAsync<V1ControllerRevision>(r.Metadata.NamespaceProperty, r.Metadata.Name, ct);
    }

    public static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
