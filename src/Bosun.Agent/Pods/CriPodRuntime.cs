using System.Globalization;
using Bosun.Cri;
using Bosun.Cri.V1;
using Grpc.Core;

namespace Bosun.Agent.Pods;

/// <summary>
/// Reads what the CRI runtime holds for our pods (kubelet's runtime <c>GetPodStatus</c>): sandboxes and container
/// instances carrying our labels, with exit codes, times and the termination message. The I/O edge of the workers.
/// </summary>
internal sealed class CriPodRuntime(CriChannel cri)
{
    private const int MaxTerminationMessage = 4096;

    public RuntimeService.RuntimeServiceClient Runtime => cri.Runtime;

    /// <summary>Every pod uid the runtime has sandboxes or containers of, ours only.</summary>
    public async Task<HashSet<string>> ListPodUidsAsync(CancellationToken ct)
    {
        var uids = new HashSet<string>();
        var sandboxes = await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = Managed(null) }, cancellationToken: ct);
        foreach (var s in sandboxes.Items) if (s.Labels.TryGetValue(CriLabels.PodUid, out var uid)) uids.Add(uid);
        var containers = await cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { LabelSelector = { [CriLabels.ManagedBy] = CriLabels.ManagedByValue } } }, cancellationToken: ct);
        foreach (var c in containers.Containers) if (c.Labels.TryGetValue(CriLabels.PodUid, out var uid)) uids.Add(uid);
        return uids;
    }

    /// <summary>A cheap fingerprint per container id (state), for the relist loop that notices exits.</summary>
    public async Task<List<(string PodUid, string Id, ContainerState State)>> ListContainerStatesAsync(CancellationToken ct)
    {
        var containers = await cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { LabelSelector = { [CriLabels.ManagedBy] = CriLabels.ManagedByValue } } }, cancellationToken: ct);
        var sandboxes = await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = Managed(null) }, cancellationToken: ct);
        var list = containers.Containers.Select(c => (c.Labels.GetValueOrDefault(CriLabels.PodUid, ""), c.Id, c.State)).ToList();
        list.AddRange(sandboxes.Items.Select(s => (s.Labels.GetValueOrDefault(CriLabels.PodUid, ""), s.Id,
            s.State == PodSandboxState.SandboxReady ? ContainerState.ContainerRunning : ContainerState.ContainerExited)));
        return list;
    }

    /// <summary>The pod's sandboxes and containers; the two reads are independent, so they overlap (a sync reads twice).</summary>
    public async Task<PodRuntimeState> GetAsync(string uid, CancellationToken ct)
    {
        var sandboxes = ReadSandboxesAsync(uid, ct);
        var containers = ReadContainersAsync(uid, ct);
        await Task.WhenAll(sandboxes, containers);
        return new PodRuntimeState(await sandboxes, await containers);
    }

    private async Task<List<ObservedSandbox>> ReadSandboxesAsync(string uid, CancellationToken ct)
    {
        var sandboxItems = await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = Managed(uid) }, cancellationToken: ct);
        var sandboxes = new List<ObservedSandbox>();
        foreach (var s in sandboxItems.Items.OrderByDescending(s => s.CreatedAt))
        {
            var ready = s.State == PodSandboxState.SandboxReady;
            var sandbox = new ObservedSandbox(s.Id, s.Metadata?.Attempt ?? 0, ready, Precise(s.CreatedAt));
            if (ready && sandboxes.Count == 0)
            {
                try
                {
                    var st = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = s.Id }, cancellationToken: ct);
                    sandbox = sandbox with
                    {
                        Ip = st.Status?.Network?.Ip ?? "",
                        HostNetwork = st.Status?.Linux?.Namespaces?.Options?.Network == NamespaceMode.Node,
                    };
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    continue;
                }
            }
            sandboxes.Add(sandbox);
        }
        return sandboxes;
    }

    private async Task<List<ObservedContainer>> ReadContainersAsync(string uid, CancellationToken ct)
    {
        var list = await cri.Runtime.ListContainersAsync(new ListContainersRequest
        {
            Filter = new ContainerFilter { LabelSelector = { [CriLabels.PodUid] = uid, [CriLabels.ManagedBy] = CriLabels.ManagedByValue } },
        }, cancellationToken: ct);
        var statuses = await Task.WhenAll(list.Containers.Select(c => ReadContainerAsync(c, ct)));
        var containers = statuses.OfType<ObservedContainer>().ToList();
        containers.Sort((a, b) => b.CreatedAt.CompareTo(a.CreatedAt));
        return containers;
    }

    private async Task<ObservedContainer?> ReadContainerAsync(Container c, CancellationToken ct)
    {
        try
        {
            var st = (await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = c.Id }, cancellationToken: ct)).Status;
            return ToObserved(st, c.PodSandboxId);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;   // removed between list and status: it no longer exists
        }
    }

    private static ObservedContainer ToObserved(ContainerStatus st, string sandboxId)
    {
        var state = st.State switch
        {
            ContainerState.ContainerCreated => RuntimeContainerState.Created,
            ContainerState.ContainerRunning => RuntimeContainerState.Running,
            ContainerState.ContainerExited => RuntimeContainerState.Exited,
            _ => RuntimeContainerState.Unknown,
        };
        var restarts = int.TryParse(st.Annotations.GetValueOrDefault(CriLabels.RestartCount, "0"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : 0;
        var message = st.Message;
        if (state == RuntimeContainerState.Exited && TerminationMessage(st) is { Length: > 0 } tm) message = tm;
        return new ObservedContainer(st.Id, st.Metadata?.Name ?? st.Labels.GetValueOrDefault(CriLabels.ContainerName, ""), state,
            st.Annotations.GetValueOrDefault(CriLabels.ContainerHash, ""), restarts, Precise(st.CreatedAt))
        {
            SandboxId = sandboxId,
            StartedAt = Time(st.StartedAt),
            // An instant exit can report finished before started (pitfall 10).
            FinishedAt = Time(st.FinishedAt) is { } f && Time(st.StartedAt) is { } s && f < s ? s : Time(st.FinishedAt),
            ExitCode = st.ExitCode,
            Reason = st.Reason,
            Message = message,
            Image = st.Image?.Image ?? "",
            ImageRef = st.ImageRef,
            GracePeriodSeconds = long.TryParse(st.Annotations.GetValueOrDefault(CriLabels.PodTerminationGracePeriod, ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) ? g : null,
        };
    }

    /// <summary>The file the container wrote at its terminationMessagePath (mounted from the pod's directory).</summary>
    private static string? TerminationMessage(ContainerStatus st)
    {
        var path = st.Annotations.GetValueOrDefault(CriLabels.TerminationMessagePath, "/dev/termination-log");
        var mount = st.Mounts.FirstOrDefault(m => m.ContainerPath == path);
        if (mount is null || !File.Exists(mount.HostPath)) return null;
        try
        {
            using var f = File.OpenRead(mount.HostPath);
            var buffer = new byte[MaxTerminationMessage];
            var n = f.Read(buffer);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, n);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static PodSandboxFilter Managed(string? uid)
    {
        var f = new PodSandboxFilter { LabelSelector = { [CriLabels.ManagedBy] = CriLabels.ManagedByValue } };
        if (uid is not null) f.LabelSelector[CriLabels.PodUid] = uid;
        return f;
    }

    /// <summary>Full precision, for ordering instances created within one second.</summary>
    private static DateTime Precise(long unixNanos) => DateTime.UnixEpoch.AddTicks(Math.Max(0, unixNanos) / 100);

    /// <summary>CRI nanoseconds to a UTC time in whole seconds (what the API keeps); 0 is "never".</summary>
    internal static DateTime? Time(long unixNanos) =>
        unixNanos <= 0 ? null : DateTime.UnixEpoch.AddSeconds(unixNanos / 1_000_000_000);
}
