using System.Collections.Concurrent;
using Bosun.Agent;
using Bosun.Cri.V1;
using Grpc.Core;

namespace Bosun.Agent.Tests.Pods;

/// <summary>
/// An in-memory CRI runtime behind a <see cref="CallInvoker"/>: sandboxes and containers with the states, labels and
/// times the agent reads, and a count of every call by method name. Stopping a container exits it at once.
/// </summary>
internal sealed class FakeCriRuntime : CallInvoker
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, PodSandboxStatus> sandboxes = [];
    private readonly Dictionary<string, (ContainerStatus Status, string SandboxId)> containers = [];
    private long nextId;

    public ConcurrentDictionary<string, int> Calls { get; } = new();

    /// <summary>Sandboxes whose network teardown "failed" at their stop: removal fails until they are stopped again.</summary>
    public bool NextStopLeavesNetnsOpen { get; set; }

    private readonly HashSet<string> netnsOpen = [];

    public int CallsOf(string method) => Calls.GetValueOrDefault(method);

    /// <summary>Lists the relist loop makes (no pod uid in the filter), to count relist passes.</summary>
    public int Relists => CallsOf("ListContainers/all");

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Task<TResponse> result;
        try
        {
            object response;
            lock (gate) response = Handle(method.Name, request);
            result = Task.FromResult((TResponse)response);
        }
        catch (RpcException e)
        {
            result = Task.FromException<TResponse>(e);
        }
        return new AsyncUnaryCall<TResponse>(result, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    private void Count(string name) => Calls.AddOrUpdate(name, 1, (_, n) => n + 1);

    private object Handle(string name, object request)
    {
        Count(name);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000 + Interlocked.Increment(ref nextId);
        switch (request)
        {
            case ImageStatusRequest r:
                return new ImageStatusResponse { Image = new Image { Id = "sha256:fake", RepoTags = { r.Image.Image } } };
            case RunPodSandboxRequest r:
                var sandboxId = "sandbox-" + now;
                sandboxes[sandboxId] = new PodSandboxStatus
                {
                    Id = sandboxId, Metadata = r.Config.Metadata, State = PodSandboxState.SandboxReady, CreatedAt = now,
                    Network = new PodSandboxNetworkStatus { Ip = "10.99.0.5" }, Labels = { r.Config.Labels }, Annotations = { r.Config.Annotations },
                };
                return new RunPodSandboxResponse { PodSandboxId = sandboxId };
            case PodSandboxStatusRequest r:
                return new PodSandboxStatusResponse { Status = Sandbox(r.PodSandboxId).Clone() };
            case ListPodSandboxRequest r:
                var items = sandboxes.Values.Where(s => Matches(s.Labels, r.Filter?.LabelSelector))
                    .Select(s => new PodSandbox { Id = s.Id, Metadata = s.Metadata, State = s.State, CreatedAt = s.CreatedAt, Labels = { s.Labels }, Annotations = { s.Annotations } });
                return new ListPodSandboxResponse { Items = { items } };
            case StopPodSandboxRequest r:
                Sandbox(r.PodSandboxId).State = PodSandboxState.SandboxNotready;
                if (NextStopLeavesNetnsOpen) netnsOpen.Add(r.PodSandboxId);
                else netnsOpen.Remove(r.PodSandboxId);
                NextStopLeavesNetnsOpen = false;
                foreach (var c in containers.Values.Where(c => c.SandboxId == r.PodSandboxId)) Exit(c.Status, now);
                return new StopPodSandboxResponse();
            case RemovePodSandboxRequest r:
                if (netnsOpen.Contains(r.PodSandboxId))
                    throw new RpcException(new Status(StatusCode.Unknown, $"sandbox network namespace of {r.PodSandboxId} is not fully closed"));
                sandboxes.Remove(r.PodSandboxId);
                foreach (var id in containers.Where(c => c.Value.SandboxId == r.PodSandboxId).Select(c => c.Key).ToList()) containers.Remove(id);
                return new RemovePodSandboxResponse();
            case CreateContainerRequest r:
                Sandbox(r.PodSandboxId);
                var containerId = "container-" + now;
                containers[containerId] = (new ContainerStatus
                {
                    Id = containerId, Metadata = r.Config.Metadata, State = ContainerState.ContainerCreated, CreatedAt = now,
                    Image = r.Config.Image, ImageRef = "sha256:fake", Labels = { r.Config.Labels }, Annotations = { r.Config.Annotations },
                }, r.PodSandboxId);
                return new CreateContainerResponse { ContainerId = containerId };
            case StartContainerRequest r:
                var started = Container(r.ContainerId);
                started.State = ContainerState.ContainerRunning;
                started.StartedAt = now;
                return new StartContainerResponse();
            case StopContainerRequest r:
                Exit(Container(r.ContainerId), now);
                return new StopContainerResponse();
            case RemoveContainerRequest r:
                containers.Remove(r.ContainerId);
                return new RemoveContainerResponse();
            case ListContainersRequest r:
                var selector = r.Filter?.LabelSelector;
                if (selector is null || !selector.ContainsKey(CriLabels.PodUid)) Count("ListContainers/all");
                var list = containers.Values.Where(c => Matches(c.Status.Labels, selector)).Select(c => new Container
                {
                    Id = c.Status.Id, PodSandboxId = c.SandboxId, Metadata = c.Status.Metadata, Image = c.Status.Image, ImageRef = c.Status.ImageRef,
                    State = c.Status.State, CreatedAt = c.Status.CreatedAt, Labels = { c.Status.Labels }, Annotations = { c.Status.Annotations },
                });
                return new ListContainersResponse { Containers = { list } };
            case ContainerStatusRequest r:
                return new ContainerStatusResponse { Status = Container(r.ContainerId).Clone() };
            default:
                throw new RpcException(new Status(StatusCode.Unimplemented, $"fake runtime: {name}"));
        }
    }

    public int SandboxCount
    {
        get { lock (gate) return sandboxes.Count; }
    }

    public bool AnyRunning
    {
        get { lock (gate) return containers.Values.Any(c => c.Status.State == ContainerState.ContainerRunning); }
    }

    private static void Exit(ContainerStatus c, long now)
    {
        if (c.State != ContainerState.ContainerRunning) return;
        c.State = ContainerState.ContainerExited;
        c.FinishedAt = now;
        c.ExitCode = 137;
        c.Reason = "Error";
    }

    private PodSandboxStatus Sandbox(string id) =>
        sandboxes.GetValueOrDefault(id) ?? throw new RpcException(new Status(StatusCode.NotFound, $"sandbox {id} not found"));

    private ContainerStatus Container(string id) =>
        containers.TryGetValue(id, out var c) ? c.Status : throw new RpcException(new Status(StatusCode.NotFound, $"container {id} not found"));

    private static bool Matches(IDictionary<string, string> labels, IDictionary<string, string>? selector) =>
        selector is null || selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        AsyncUnaryCall(method, host, options, request).ResponseAsync.GetAwaiter().GetResult();

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, method.Name));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, method.Name));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, method.Name));
}
