using Bosun.Cri.V1;

namespace Bosun.Agent.Server;

/// <summary>A pod's container as the runtime has it, found through the agent's CRI labels.</summary>
internal sealed record LocatedContainer(string Id, string SandboxId, string PodUid, ContainerState State, int RestartCount);

/// <summary>Finds pods' sandboxes and containers in the CRI runtime by the labels the agent puts on them (<see cref="CriLabels"/>).</summary>
internal sealed class ContainerLocator(RuntimeService.RuntimeServiceClient runtime)
{
    /// <summary>Every instance of the container (one per restart still kept by the runtime), newest restart first.</summary>
    public async Task<IReadOnlyList<LocatedContainer>> FindAllAsync(string ns, string pod, string container, CancellationToken ct)
    {
        var filter = new ContainerFilter();
        filter.LabelSelector[CriLabels.PodNamespace] = ns;
        filter.LabelSelector[CriLabels.PodName] = pod;
        filter.LabelSelector[CriLabels.ContainerName] = container;
        var list = await runtime.ListContainersAsync(new ListContainersRequest { Filter = filter }, cancellationToken: ct);
        return list.Containers
            .Select(c => new LocatedContainer(c.Id, c.PodSandboxId, c.Labels.GetValueOrDefault(CriLabels.PodUid, ""), c.State,
                int.TryParse(c.Annotations.GetValueOrDefault(CriLabels.RestartCount), out var n) ? n : 0))
            .OrderByDescending(c => c.RestartCount).ThenByDescending(c => c.State == ContainerState.ContainerRunning)
            .ToList();
    }

    /// <summary>The current instance (highest restart count), or null.</summary>
    public async Task<LocatedContainer?> FindAsync(string ns, string pod, string container, CancellationToken ct) =>
        (await FindAllAsync(ns, pod, container, ct)).FirstOrDefault();

    /// <summary>The pod's ready sandbox id, or null.</summary>
    public async Task<string?> FindSandboxAsync(string ns, string pod, CancellationToken ct)
    {
        var filter = new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxReady } };
        filter.LabelSelector[CriLabels.PodNamespace] = ns;
        filter.LabelSelector[CriLabels.PodName] = pod;
        var list = await runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = filter }, cancellationToken: ct);
        return list.Items.OrderByDescending(s => s.CreatedAt).FirstOrDefault()?.Id;
    }

    public async Task<ContainerState> StateAsync(string containerId, CancellationToken ct)
    {
        var status = await runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, cancellationToken: ct);
        return status.Status?.State ?? ContainerState.ContainerUnknown;
    }
}
