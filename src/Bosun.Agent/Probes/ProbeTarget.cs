using k8s.Models;

namespace Bosun.Agent.Probes;

/// <summary>Where a probe or hook runs: the container (for exec) and the address network handlers connect to.</summary>
internal sealed record ProbeTarget(string ContainerId, string Host, V1Container Container)
{
    /// <summary>A numeric port, or a named one looked up in the container's ports.</summary>
    public int Port(IntOrString port)
    {
        var text = port.Value;
        if (int.TryParse(text, out var n)) return n;
        return Container.Ports?.FirstOrDefault(p => p.Name == text)?.ContainerPort
            ?? throw new InvalidOperationException($"port \"{text}\" not found in container {Container.Name}");
    }
}
