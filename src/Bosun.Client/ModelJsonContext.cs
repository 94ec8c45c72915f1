using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Bosun.Client;

/// <summary>
/// Generated JSON metadata for the kinds the node agent reads and writes (and what they contain) and for Bosun's own
/// wire types (the native build keeps no reflection metadata for those), with KubernetesJson's settings. Only these
/// types are loaded, and their accessors are compiled code instead of Reflection.Emit methods; <see cref="ModelJson"/>
/// falls back to reflection for everything else.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    Converters = [typeof(KubernetesJson.Iso8601TimeSpanConverter), typeof(KubernetesJson.KubernetesDateTimeConverter), typeof(KubernetesJson.KubernetesDateTimeOffsetConverter)])]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(ListResponse<V1Pod>))]
[JsonSerializable(typeof(V1PodStatus))]
[JsonSerializable(typeof(V1Node))]
[JsonSerializable(typeof(ListResponse<V1Node>))]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(ListResponse<Corev1Event>))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(ListResponse<V1ConfigMap>))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(ListResponse<V1Secret>))]
[JsonSerializable(typeof(V1PersistentVolumeClaim))]
[JsonSerializable(typeof(ListResponse<V1PersistentVolumeClaim>))]
[JsonSerializable(typeof(V1PersistentVolume))]
[JsonSerializable(typeof(ListResponse<V1PersistentVolume>))]
[JsonSerializable(typeof(V1StorageClass))]
[JsonSerializable(typeof(ListResponse<V1StorageClass>))]
[JsonSerializable(typeof(Authenticationv1TokenRequest))]
[JsonSerializable(typeof(V1CertificateSigningRequest))]
[JsonSerializable(typeof(V1Endpoints))]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(ListResponse<V1Service>))]
[JsonSerializable(typeof(V1EndpointSlice))]
[JsonSerializable(typeof(ListResponse<V1EndpointSlice>))]
[JsonSerializable(typeof(NodeMetricsReport))]
internal sealed partial class ModelJsonContext : JsonSerializerContext;
