using System.Diagnostics;
using Bosun.Agent.Node;
using Bosun.Agent.Probes;
using Bosun.Agent.Volumes;
using Bosun.Client;
using Bosun.Cri.V1;
using Grpc.Core;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Pods;

/// <summary>
/// Carries out <see cref="PodActions"/> over CRI, in the kubelet's order: kill (preStop, then StopContainer with the
/// remaining grace), create the sandbox (pod dir, cgroup, volumes, /etc/hosts), then pull, create and start each
/// container (postStart). Returns why containers that should run are waiting.
/// </summary>
internal sealed partial class PodApplier(
    CriPodRuntime runtime,
    ImagePuller images,
    IVolumeManager volumes,
    ProbeExecutor handlers,
    EnvSourceReader envSources,
    AgentPaths paths,
    PodCgroups cgroups,
    AgentOptions options,
    NodeIdentity node,
    DnsSettings hostDns,
    RestartBackoff backoff,
    TimeProvider time,
    EventRecorder? events,
    ILogger logger)
{
    /// <summary>The kubelet never stops a container with less than this (minimumGracePeriodInSeconds).</summary>
    private const long MinimumGraceSeconds = 2;

    private RuntimeService.RuntimeServiceClient Cri => runtime.Runtime;

    public async Task<Dictionary<string, ContainerWaiting>> ApplyAsync(V1Pod pod, PodActions actions, PodRuntimeState observed, CancellationToken ct,
        PodStartTrace? trace = null)
    {
        var waiting = new Dictionary<string, ContainerWaiting>(actions.Waiting);
        foreach (var (name, w) in actions.Waiting)
            if (w.Reason == "CrashLoopBackOff")
                events?.Record(pod, EventRecorder.Warning, "BackOff",
                    $"Back-off restarting failed container {name} in pod {pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})");
        if (actions.KillPod) await KillPodAsync(pod, observed, actions.GracePeriodSeconds, ct);
        else await Task.WhenAll(actions.ContainersToKill.Select(k => KillContainerAsync(pod, k.Id, k.Name, k.Message, k.GracePeriodSeconds, ct)));
        if (!actions.CreateSandbox && actions.ContainersToStart.Count == 0) return waiting;

        IReadOnlyDictionary<string, string> volumePaths;
        try
        {
            volumePaths = await volumes.SetUpAsync(pod, ct);
            trace?.Mark("volumes");
        }
        catch (VolumeSetupException e)
        {
            events?.Record(pod, EventRecorder.Warning, "FailedMount", e.Message);
            return waiting;
        }

        // Only CreateContainer needs an image's id: checking that it is present runs while the sandbox starts.
        var imageRefs = CheckImages(pod, actions.ContainersToStart, trace, ct);
        try
        {
            return await StartAsync(pod, actions, observed, waiting, volumePaths, imageRefs, trace, ct);
        }
        finally
        {
            // Nothing left running behind a sandbox failure; each container reports its own image error.
            await ((Task)Task.WhenAll(imageRefs.Values)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Starts the image checks (pulls when missing), one after another in container order as the kubelet's serialised
    /// puller does. imagePullPolicy Always pulls stay in the container loop, after the sandbox: a sandbox that keeps
    /// failing must not pull again on every retry.
    /// </summary>
    private Dictionary<string, Task<string>> CheckImages(V1Pod pod, IReadOnlyList<ContainerStart> starts, PodStartTrace? trace, CancellationToken ct)
    {
        var result = new Dictionary<string, Task<string>>();
        var previous = Task.CompletedTask;
        foreach (var start in starts)
        {
            var c = PodActions.FindContainer(pod, start.Name, start.IsInit);
            if ((c.ImagePullPolicy ?? ImagePuller.DefaultPolicy(c.Image)) == "Always") continue;
            var ensure = EnsureImageAfterAsync(previous, pod, c, trace, ct);
            result[start.Name] = ensure;
            previous = ensure;
            if (start.IsInit) break;   // one init container at a time
        }
        return result;
    }

    private async Task<string> EnsureImageAfterAsync(Task previous, V1Pod pod, V1Container c, PodStartTrace? trace, CancellationToken ct)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var begun = time.GetTimestamp();
        var imageRef = await images.EnsureAsync(pod, c, ct);
        trace?.Add("image", time.GetElapsedTime(begun));
        return imageRef;
    }

    private async Task<Dictionary<string, ContainerWaiting>> StartAsync(V1Pod pod, PodActions actions, PodRuntimeState observed,
        Dictionary<string, ContainerWaiting> waiting, IReadOnlyDictionary<string, string> volumePaths, Dictionary<string, Task<string>> imageRefs,
        PodStartTrace? trace, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid;
        string sandboxId;
        PodSandboxConfig sandboxConfig;
        string podIp;
        if (actions.CreateSandbox)
        {
            try
            {
                (sandboxId, sandboxConfig, podIp) = await CreateSandboxAsync(pod, actions.SandboxAttempt, ct, trace);
            }
            catch (RpcException e)
            {
                events?.Record(pod, EventRecorder.Warning, "FailedCreatePodSandBox", $"Failed to create pod sandbox: {e.Status.Detail}");
                Log.SandboxFailed(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, e.Status.Detail);
                return waiting;
            }
        }
        else
        {
            var sandbox = observed.LatestSandbox!;
            sandboxId = sandbox.Id;
            sandboxConfig = SandboxConfig(pod, sandbox.Attempt);
            podIp = pod.Spec.HostNetwork == true ? node.InternalIp : sandbox.Ip;
            WriteHostsFile(pod, podIp);
        }

        foreach (var start in actions.ContainersToStart)
        {
            try
            {
                await StartContainerAsync(pod, start, sandboxId, sandboxConfig, podIp, volumePaths, observed, imageRefs.GetValueOrDefault(start.Name), ct, trace);
            }
            catch (ImagePullException e)
            {
                waiting[start.Name] = new ContainerWaiting(e.Reason, e.Message);
                if (e.Reason == "ImagePullBackOff") events?.Record(pod, EventRecorder.Warning, "Failed", "Error: ImagePullBackOff");
            }
            catch (ContainerConfigException e)
            {
                waiting[start.Name] = new ContainerWaiting("CreateContainerConfigError", e.Message);
                events?.Record(pod, EventRecorder.Warning, "Failed", $"Error: {e.Message}");
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                waiting[start.Name] = new ContainerWaiting("CreateContainerError", e.Status.Detail);
                events?.Record(pod, EventRecorder.Warning, "Failed", $"Error: {e.Status.Detail}");
            }
            if (start.IsInit) break;   // one init container at a time
        }
        return waiting;
    }

    private PodSandboxConfig SandboxConfig(V1Pod pod, uint attempt)
    {
        var meta = pod.Metadata;
        var dns = PodDns.Compute(pod, options.ClusterDns, options.ClusterDomain, hostDns);
        return SandboxConfigBuilder.Build(pod, attempt, paths.PodLogDir(meta.NamespaceProperty ?? "default", meta.Name, meta.Uid), dns, cgroups.Parent(meta.Uid));
    }

    private async Task<(string Id, PodSandboxConfig Config, string Ip)> CreateSandboxAsync(V1Pod pod, uint attempt, CancellationToken ct, PodStartTrace? trace)
    {
        var uid = pod.Metadata.Uid;
        var config = SandboxConfig(pod, attempt);
        Directory.CreateDirectory(config.LogDirectory);
        Directory.CreateDirectory(paths.PodDir(uid));
        cgroups.Create(uid);
        if (attempt > 0) events?.Record(pod, EventRecorder.Normal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
        trace?.Mark("sandbox-prepare");
        var id = (await Cri.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config }, cancellationToken: ct)).PodSandboxId;
        trace?.Mark("run-sandbox");
        var ip = node.InternalIp;
        if (pod.Spec.HostNetwork != true)
        {
            var status = await Cri.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = id }, cancellationToken: ct);
            ip = status.Status?.Network?.Ip ?? "";
        }
        WriteHostsFile(pod, ip);
        trace?.Mark("sandbox-status");
        return (id, config, ip);
    }

    private string HostsFilePath(string uid) => Path.Combine(paths.PodDir(uid), "etc-hosts");

    private void WriteHostsFile(V1Pod pod, string podIp)
    {
        var path = HostsFilePath(pod.Metadata.Uid);
        var nodeHosts = pod.Spec.HostNetwork == true && File.Exists("/etc/hosts") ? File.ReadAllText("/etc/hosts") : null;
        var content = PodHostsFile.Content(pod, podIp, options.ClusterDomain, nodeHosts);
        if (File.Exists(path) && File.ReadAllText(path) == content) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    private async Task StartContainerAsync(V1Pod pod, ContainerStart start, string sandboxId, PodSandboxConfig sandboxConfig, string podIp,
        IReadOnlyDictionary<string, string> volumePaths, PodRuntimeState observed, Task<string>? image, CancellationToken ct, PodStartTrace? trace)
    {
        var c = PodActions.FindContainer(pod, start.Name, start.IsInit);
        var now = time.GetUtcNow().UtcDateTime;
        if (start.PreviousExit is { } exit) backoff.Next(RestartBackoff.Key(pod.Metadata.Uid, c.Name, ContainerHash.Of(c)), exit, now);
        var imageRef = image is null ? await images.EnsureAsync(pod, c, ct) : await image;
        trace?.Mark(image is null ? "image" : "image-wait");
        var sources = await envSources.ReadAsync(pod, c, ct);
        var env = ContainerEnv.Build(pod, c, sources, podIp, node.InternalIp, node.Allocatable);
        var terminationLog = TerminationLogFile(pod.Metadata.Uid, c.Name, start.RestartCount);
        var config = ContainerConfigBuilder.Build(pod, c, start.RestartCount, new ContainerInputs(imageRef, env, volumePaths, HostsFilePath(pod.Metadata.Uid), terminationLog));
        config.Image.Annotations.Clear();

        // Keep one dead instance per container (lastState, logs --previous); older ones go.
        var latest = observed.Latest(c.Name);
        foreach (var old in observed.Containers.Where(o => o.Name == c.Name && !o.IsRunning && o != latest))
            await RemoveContainerQuietlyAsync(old.Id, ct);
        if (latest is { State: RuntimeContainerState.Created }) await RemoveContainerQuietlyAsync(latest.Id, ct);

        trace?.Mark("container-config");
        var id = (await Cri.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = sandboxId, Config = config, SandboxConfig = sandboxConfig }, cancellationToken: ct)).ContainerId;
        events?.Record(pod, EventRecorder.Normal, "Created", $"Created container: {c.Name}");
        trace?.Mark("create-container");
        try
        {
            await Cri.StartContainerAsync(new StartContainerRequest { ContainerId = id }, cancellationToken: ct);
            trace?.Mark("start-container");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            events?.Record(pod, EventRecorder.Warning, "Failed", $"Error: {e.Status.Detail}");
            return;   // the container is exited with StartError; the next sync restarts it per policy
        }
        events?.Record(pod, EventRecorder.Normal, "Started", $"Started container {c.Name}");
        if (c.Lifecycle?.PostStart is { } postStart)
        {
            var target = new ProbeTarget(id, pod.Spec.HostNetwork == true ? node.InternalIp : podIp, c);
            var outcome = await handlers.RunAsync(postStart, target, TimeSpan.FromSeconds(30), ct);
            if (!outcome.Success)
            {
                var msg = HookMessage(postStart, c, pod, outcome.Output);
                events?.Record(pod, EventRecorder.Warning, "FailedPostStartHook", msg);
                await KillContainerAsync(pod, id, c.Name, "FailedPostStartHook", pod.Spec.TerminationGracePeriodSeconds ?? PodActions.DefaultGracePeriodSeconds, ct, runPreStop: false);
            }
        }
    }

    private string TerminationLogFile(string uid, string container, int restartCount)
    {
        var dir = Path.Combine(paths.PodDir(uid), "containers", container);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{restartCount}.termination-log");
        if (!File.Exists(path)) File.WriteAllText(path, "");
        // Any user in the container may write its termination message.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
        return path;
    }

    private static string HookMessage(V1LifecycleHandler h, V1Container c, V1Pod pod, string output)
    {
        var where = $"for Container \"{c.Name}\" in Pod \"{pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})\"";
        return h.Exec is { } exec
            ? $"Exec lifecycle hook ([{string.Join(" ", exec.Command ?? [])}]) {where} failed - error: {output}"
            : $"HTTP lifecycle hook ({h.HttpGet?.Path}) {where} failed - error: {output}";
    }

    /// <summary>Stops every running container (in parallel, each with preStop) and then the pod's sandboxes.</summary>
    public async Task KillPodAsync(V1Pod pod, PodRuntimeState observed, long grace, CancellationToken ct)
    {
        await Task.WhenAll(observed.Running.Select(c => KillContainerAsync(pod, c.Id, c.Name, "", grace, ct)));
        foreach (var s in observed.Sandboxes.Where(s => s.Ready))
            await Cri.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = s.Id }, cancellationToken: ct);
    }

    /// <summary>preStop within the grace period, then SIGTERM with what is left of it, then SIGKILL (the runtime's timeout).</summary>
    public async Task KillContainerAsync(V1Pod pod, string id, string name, string message, long grace, CancellationToken ct, bool runPreStop = true)
    {
        events?.Record(pod, EventRecorder.Normal, "Killing", message.Length == 0 ? $"Stopping container {name}" : message);
        var spec = (pod.Spec.Containers ?? []).FirstOrDefault(c => c.Name == name);
        var watch = Stopwatch.StartNew();
        if (runPreStop && spec?.Lifecycle?.PreStop is { } preStop && grace > 0)
        {
            var host = pod.Spec.HostNetwork == true ? node.InternalIp : pod.Status?.PodIP ?? "";
            var outcome = await handlers.RunAsync(preStop, new ProbeTarget(id, host, spec), TimeSpan.FromSeconds(grace), ct);
            if (!outcome.Success)
                events?.Record(pod, EventRecorder.Warning, "FailedPreStopHook", HookMessage(preStop, spec, pod, outcome.Output));
        }
        var left = Math.Max(MinimumGraceSeconds, grace - (long)watch.Elapsed.TotalSeconds);
        try
        {
            await Cri.StopContainerAsync(new StopContainerRequest { ContainerId = id, Timeout = left }, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    /// <summary>
    /// Removes a stopped sandbox. When the runtime refuses (its network teardown failed at the stop, so containerd finds
    /// the netns still open), stops it again, which retries the teardown, then removes it: the kubelet's GC guard,
    /// paid only when needed.
    /// </summary>
    private async Task RemoveSandboxAsync(string id, CancellationToken ct)
    {
        var request = new RemovePodSandboxRequest { PodSandboxId = id };
        try
        {
            await Cri.RemovePodSandboxAsync(request, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            Log.SandboxRemoveRetried(logger, id, e.Status.Detail);
            await Cri.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = id }, cancellationToken: ct);
            await Cri.RemovePodSandboxAsync(request, cancellationToken: ct);
        }
    }

    private async Task RemoveContainerQuietlyAsync(string id, CancellationToken ct)
    {
        try
        {
            await Cri.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id }, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    /// <summary>
    /// Removes everything the node holds for a pod that is gone: sandboxes (with their containers), volumes, the pod
    /// cgroup, its log and state directories. Stops anything still running first, with <paramref name="grace"/>.
    /// <paramref name="state"/> is the runtime's view when the caller has just read it. Called once per pod, by its
    /// worker (<see cref="PodWorkers"/>), however the pod went.
    /// </summary>
    public async Task CleanupAsync(V1Pod? pod, string uid, string ns, string name, long grace, CancellationToken ct, PodRuntimeState? state = null)
    {
        state ??= await runtime.GetAsync(uid, ct);
        if (pod is not null) await KillPodAsync(pod, state, grace, ct);
        else
        {
            // An orphan (its API object never seen): the grace period it was started with, as the kubelet does.
            await Task.WhenAll(state.Running.Select(c => Cri.StopContainerAsync(
                new StopContainerRequest { ContainerId = c.Id, Timeout = Math.Max(MinimumGraceSeconds, c.GracePeriodSeconds ?? grace) }, cancellationToken: ct).ResponseAsync));
            foreach (var s in state.Sandboxes.Where(s => s.Ready))
                await Cri.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = s.Id }, cancellationToken: ct);
        }
        foreach (var c in state.Containers) await RemoveContainerQuietlyAsync(c.Id, ct);
        foreach (var s in state.Sandboxes) await RemoveSandboxAsync(s.Id, ct);
        await volumes.TearDownAsync(uid, ct);
        cgroups.Remove(uid);
        DeleteDirectory(paths.PodLogDir(ns, name, uid));
        DeleteDirectory(paths.PodDir(uid));
        backoff.Forget(uid);
        Log.CleanedUp(logger, ns, name, uid);
    }

    private static void DeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Creating the sandbox of {Namespace}/{Pod} failed: {Error}")]
        public static partial void SandboxFailed(ILogger logger, string? @namespace, string pod, string error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Removing sandbox {Id} failed, stopping it again first: {Error}")]
        public static partial void SandboxRemoveRetried(ILogger logger, string id, string error);

        [LoggerMessage(Level = LogLevel.Information, Message = "Cleaned up pod {Namespace}/{Pod} ({Uid})")]
        public static partial void CleanedUp(ILogger logger, string @namespace, string pod, string uid);
    }
}
