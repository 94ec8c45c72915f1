using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry;

/// <summary>ObjectMeta validation every kind shares: name (by the kind's rule), namespace, labels, annotations.</summary>
internal static class MetadataValidation
{
    public static IEnumerable<FieldError> Validate(JsonObject obj, ResourceRegistration reg) =>
        ObjectMetaValidation.Validate(obj.Obj("metadata"), reg.Namespaced, reg.NameValidation);
}
