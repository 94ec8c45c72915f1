using System.Security.Cryptography;
using System.Text;
using Bosun.Api;
using Bosun.Client;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Pods;

/// <summary>
/// Static pods from the manifest directory (<c>&lt;data-dir&gt;/agent/pod-manifests/</c>, YAML or JSON), mirrored to the
/// API as the kubelet does: a pod named <c>&lt;name&gt;-&lt;node&gt;</c> bound to this node, annotated
/// <c>kubernetes.io/config.mirror</c> with the manifest's hash and owned by the Node. The pod workers run the mirror
/// like any other pod. A changed manifest replaces the mirror; a removed one deletes it.
/// </summary>
internal sealed partial class StaticPods(ApiClient api, string manifestDir, string nodeName, TimeProvider time, ILogger logger)
{
    public const string MirrorAnnotation = "kubernetes.io/config.mirror";
    public const string HashAnnotation = "kubernetes.io/config.hash";
    public const string SourceAnnotation = "kubernetes.io/config.source";

    public async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                await SyncAsync(ct);
            }
            catch (Exception e) when (e is ApiException or HttpRequestException or IOException)
            {
                Log.SyncFailed(logger, e.Message);
            }
        } while (await timer.WaitForNextTickAsync(ct));
    }

    /// <summary>One round: create missing mirrors, replace changed ones, delete those whose manifest is gone.</summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        var desired = ReadManifests().ToDictionary(p => (p.Metadata.NamespaceProperty, p.Metadata.Name));
        var existing = await api.ListAsync<V1PodList>(typeof(V1Pod), null, new ListQuery(FieldSelector: "spec.nodeName=" + nodeName), ct);
        var mirrors = existing.Items.Where(p => p.Metadata.Annotations?.ContainsKey(MirrorAnnotation) == true)
            .ToDictionary(p => (p.Metadata.NamespaceProperty, p.Metadata.Name));
        foreach (var (key, mirror) in mirrors)
        {
            var wanted = desired.GetValueOrDefault(key);
            if (wanted is not null && wanted.Metadata.Annotations[MirrorAnnotation] == mirror.Metadata.Annotations[MirrorAnnotation] && mirror.Metadata.DeletionTimestamp is null) continue;
            if (mirror.Metadata.DeletionTimestamp is null) await api.DeleteAsync<V1Pod>(key.NamespaceProperty, key.Name, ct);
        }
        var node = await api.TryGetAsync<V1Node>(null, nodeName, ct);
        foreach (var (key, pod) in desired)
        {
            if (mirrors.ContainsKey(key)) continue;
            if (node is not null)
                pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid, Controller = true }];
            try
            {
                await api.CreateAsync(key.NamespaceProperty, pod, ct);
                Log.MirrorCreated(logger, key.NamespaceProperty, key.Name);
            }
            catch (ApiException e) when (e.IsAlreadyExists)
            {
                // Being deleted after a change; created again next round.
            }
        }
    }

    private IEnumerable<V1Pod> ReadManifests()
    {
        if (!Directory.Exists(manifestDir)) yield break;
        foreach (var file in Directory.EnumerateFiles(manifestDir).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file).StartsWith('.') || Path.GetExtension(file) is not (".yaml" or ".yml" or ".json")) continue;
            V1Pod? pod;
            try
            {
                pod = ToMirrorPod(File.ReadAllText(file), nodeName, file);
            }
            catch (Exception e) when (e is IOException or FormatException or YamlDotNet.Core.YamlException or System.Text.Json.JsonException or InvalidDataException)
            {
                Log.BadManifest(logger, file, e.Message);
                continue;
            }
            yield return pod;
        }
    }

    /// <summary>The mirror pod of one manifest (pure): renamed, bound, annotated with its hash and source.</summary>
    internal static V1Pod ToMirrorPod(string manifest, string node, string source)
    {
        var pod = KubernetesJson.Deserialize<V1Pod>(YamlJson.ParseObject(manifest, "the manifest").ToJsonString());
        if (pod?.Kind is not "Pod" || pod.Metadata?.Name is not { Length: > 0 } || pod.Spec?.Containers is not { Count: > 0 })
            throw new InvalidDataException("not a Pod manifest with a name and containers");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(node + "\n" + KubernetesJson.Serialize(pod))).AsSpan(0, 16));
        pod.Metadata.Name = $"{pod.Metadata.Name}-{node}";
        pod.Metadata.NamespaceProperty ??= "default";
        pod.Metadata.Uid = null;
        pod.Metadata.ResourceVersion = null;
        pod.Metadata.Annotations = new Dictionary<string, string>(pod.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            [MirrorAnnotation] = hash,
            [HashAnnotation] = hash,
            [SourceAnnotation] = "file",
        };
        pod.Spec.NodeName = node;
        pod.Status = null;
        return pod;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Created mirror pod {Namespace}/{Pod}")]
        public static partial void MirrorCreated(ILogger logger, string? @namespace, string pod);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Static pod manifest {File} skipped: {Error}")]
        public static partial void BadManifest(ILogger logger, string file, string error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Static pod sync failed: {Error}")]
        public static partial void SyncFailed(ILogger logger, string error);
    }
}
