using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>Deployments: the numeric and selector checks of kube-apiserver's ValidateDeploymentSpec.</summary>
internal sealed class DeploymentStrategy : IResourceStrategy
{
    public IEnumerable<FieldError> Validate(JsonObject obj)
    {
        var spec = obj.Obj("spec");
        foreach (var field in (string[])["replicas", "minReadySeconds", "revisionHistoryLimit"])
            if (spec.Long(field) is < 0 and var value)
                yield return FieldError.Invalid($"spec.{field}", value, "must be greater than or equal to 0");
        if (spec?["selector"] is null)
            yield return FieldError.Required("spec.selector");
    }
}
