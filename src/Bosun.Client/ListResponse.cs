using System.Text.Json.Serialization;
using k8s.Models;

namespace Bosun.Client;

/// <summary>Any <c>…List</c> response: list metadata and typed items.</summary>
internal sealed class ListResponse<T>
{
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public List<T>? Items { get; set; }
}
