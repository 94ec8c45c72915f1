using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Registry;

/// <summary>ObjectMeta validation every kind shares: name, namespace, labels, annotations.</summary>
internal static class MetadataValidation
{
    public static IEnumerable<StatusCause> Validate(JsonObject obj, ResourceRegistration reg) => [];
}
