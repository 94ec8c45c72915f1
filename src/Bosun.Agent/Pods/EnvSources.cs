namespace Bosun.Agent.Pods;

/// <summary>
/// The ConfigMaps and Secrets a pod's env refers to, fetched before the env is built (null value: not found), so
/// that building stays pure. Secret values are already decoded.
/// </summary>
internal sealed record EnvSources(
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>?> ConfigMaps,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>?> Secrets)
{
    public static readonly EnvSources None = new(
        new Dictionary<string, IReadOnlyDictionary<string, string>?>(), new Dictionary<string, IReadOnlyDictionary<string, string>?>());
}

/// <summary>The container's config cannot be built (CreateContainerConfigError); the message is shown in its status.</summary>
internal sealed class ContainerConfigException(string message) : Exception(message);
