using System.Text.Json;
using Bosun.E2E.Tests.Infrastructure;
using Bosun.Testing.Containers;

namespace Bosun.E2E.Tests.Containers;

/// <summary>The seed's pod lifecycle on real containers, through the real kubectl and the built server's agent.</summary>
[Trait("Category", "Containers")]
[Collection(AgentClusterCollection.Name)]
public sealed class PodLifecycleTests(AgentCluster cluster)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Kubectl _kubectl = cluster.Kubectl;

    private async Task CreateAsync(string yaml) => (await _kubectl.RunWithInputAsync(yaml, "create", "-f", "-")).Ok();

    private static string PodIp(JsonElement pod) => pod.GetProperty("status").GetProperty("podIP").GetString()!;

    /// <summary>
    /// GET from a pod's server. Without a readiness probe, Ready means the container started, and httpd binds its port a
    /// moment later (as in Kubernetes), so a refused connection is tried again for a while.
    /// </summary>
    private static async Task<string> GetFromPodAsync(string url)
    {
        string? body = null;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                body = await Http.GetStringAsync(url);
                return true;
            }
            catch (HttpRequestException e) when (e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), $"an answer from {url}");
        return body!;
    }

    [Fact]
    public async Task PodDemo_MyappAndBusyboxSidecar_BothRunningReadyAndServingPage()
    {
        var ns = await cluster.CreateNamespaceAsync("demo");
        await CreateAsync(AgentCluster.Offline(Manifests.PodDemo(ns)));

        var pod = await cluster.WaitRunningAndReadyAsync(ns, "pod-demo");

        var get = (await _kubectl.RunAsync("get", "pod", "pod-demo", "-n", ns)).Ok();
        Assert.Matches(@"^pod-demo\s+2/2\s+Running\s+0\s+\d+s$", get.Lines[1]);
        Assert.Equal(TestImages.MyAppIndex("v1"), await GetFromPodAsync($"http://{PodIp(pod)}/"));
        Assert.StartsWith("containerd://", AgentCluster.ContainerStatus(pod, "myapp").GetProperty("containerID").GetString());
    }

    [Fact]
    public async Task LivenessExecProbe_FileRemoved_ContainerRestarted()
    {
        var ns = await cluster.CreateNamespaceAsync("liveness");
        await CreateAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: liveness-exec, namespace: {{ns}}}
            spec:
              containers:
              - name: liveness
                image: busybox:latest
                imagePullPolicy: IfNotPresent
                command: ["/bin/sh", "-c", "touch /tmp/healthy; sleep 3; rm -f /tmp/healthy; sleep 600"]
                livenessProbe:
                  exec: {command: ["test", "-e", "/tmp/healthy"]}
                  initialDelaySeconds: 1
                  periodSeconds: 1
                  failureThreshold: 2
            """);

        await cluster.WaitPodAsync(ns, "liveness-exec", p => AgentCluster.RestartCount(p, "liveness") >= 1,
            TimeSpan.FromSeconds(60), "a liveness restart");

        var events = (await _kubectl.RunAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.name=liveness-exec")).Ok();
        Assert.Contains("Unhealthy", events.Stdout);
        Assert.Contains("Liveness probe failed", events.Stdout);
    }

    [Fact]
    public async Task ReadinessHttpProbe_PageAppearsThenVanishes_ReadyFlipsTrueThenFalse()
    {
        var ns = await cluster.CreateNamespaceAsync("readiness");
        await CreateAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: ready-flip, namespace: {{ns}}}
            spec:
              containers:
              - name: web
                image: busybox:latest
                imagePullPolicy: IfNotPresent
                command: ["/bin/sh", "-c", "mkdir -p /www; (sleep 3; echo ok > /www/ready; sleep 6; rm /www/ready) & exec httpd -f -p 8080 -h /www"]
                readinessProbe:
                  httpGet: {path: /ready, port: 8080}
                  periodSeconds: 1
                  failureThreshold: 1
            """);

        var running = await cluster.WaitPodAsync(ns, "ready-flip", p => AgentCluster.Phase(p) == "Running", TimeSpan.FromSeconds(60), "Running");
        Assert.NotEqual("True", AgentCluster.Condition(running, "Ready"));
        await cluster.WaitPodAsync(ns, "ready-flip", p => AgentCluster.Condition(p, "Ready") == "True", TimeSpan.FromSeconds(30), "Ready=True");
        await cluster.WaitPodAsync(ns, "ready-flip", p => AgentCluster.Condition(p, "Ready") == "False", TimeSpan.FromSeconds(30), "Ready=False again");
    }

    [Fact]
    public async Task PostStartHook_RewritesIndex_PodServesHookPage()
    {
        var ns = await cluster.CreateNamespaceAsync("poststart");
        await CreateAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: hooked, namespace: {{ns}}}
            spec:
              containers:
              - name: myapp
                image: ikubernetes/myapp:v1
                lifecycle:
                  postStart:
                    exec: {command: ["/bin/sh", "-c", "echo Home_Page > /usr/share/nginx/html/index.html"]}
            """);

        var pod = await cluster.WaitRunningAndReadyAsync(ns, "hooked");

        Assert.Equal("Home_Page\n", await GetFromPodAsync($"http://{PodIp(pod)}/index.html"));
    }

    [Fact]
    public async Task InitContainers_RunOneByOneToCompletion_BeforeTheAppStarts()
    {
        var ns = await cluster.CreateNamespaceAsync("init");
        await CreateAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: with-init, namespace: {{ns}}}
            spec:
              initContainers:
              - {name: first, image: "busybox:latest", imagePullPolicy: IfNotPresent, command: ["/bin/sh", "-c", "sleep 1"]}
              - {name: second, image: "busybox:latest", imagePullPolicy: IfNotPresent, command: ["/bin/sh", "-c", "sleep 1"]}
              containers:
              - {name: app, image: "busybox:latest", imagePullPolicy: IfNotPresent, command: ["/bin/sh", "-c", "sleep 600"]}
            """);

        var pod = await cluster.WaitRunningAndReadyAsync(ns, "with-init");

        Assert.Equal("True", AgentCluster.Condition(pod, "Initialized"));
        var first = AgentCluster.ContainerStatus(pod, "first", "initContainerStatuses").GetProperty("state").GetProperty("terminated");
        var second = AgentCluster.ContainerStatus(pod, "second", "initContainerStatuses").GetProperty("state").GetProperty("terminated");
        var app = AgentCluster.ContainerStatus(pod, "app").GetProperty("state").GetProperty("running");
        Assert.Equal("Completed", first.GetProperty("reason").GetString());
        Assert.Equal("Completed", second.GetProperty("reason").GetString());
        Assert.True(first.GetProperty("finishedAt").GetDateTime() <= second.GetProperty("startedAt").GetDateTime());
        Assert.True(second.GetProperty("finishedAt").GetDateTime() <= app.GetProperty("startedAt").GetDateTime());
    }

    [Fact]
    public async Task RestartPolicyNever_ExitOne_PodFailedWithErrorReason()
    {
        var ns = await cluster.CreateNamespaceAsync("never");
        await CreateAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: fails, namespace: {{ns}}}
            spec:
              restartPolicy: Never
              containers:
              - {name: main, image: "busybox:latest", imagePullPolicy: IfNotPresent, command: ["/bin/sh", "-c", "exit 1"]}
            """);

        var pod = await cluster.WaitPodAsync(ns, "fails", p => AgentCluster.Phase(p) == "Failed", TimeSpan.FromSeconds(60), "Failed");

        var terminated = AgentCluster.ContainerStatus(pod, "main").GetProperty("state").GetProperty("terminated");
        Assert.Equal(1, terminated.GetProperty("exitCode").GetInt32());
        Assert.Equal("Error", terminated.GetProperty("reason").GetString());
        Assert.Equal(0, AgentCluster.RestartCount(pod, "main"));
    }

    [Fact]
    public async Task RestartPolicyOnFailure_FailingThenSucceeding_RestartsThenSucceeds()
    {
        var ns = await cluster.CreateNamespaceAsync("onfailure");
        // Each restart gets a fresh root filesystem, so the first run's marker lives in an emptyDir, which outlives it.
        await CreateAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: retry, namespace: {{ns}}}
            spec:
              restartPolicy: OnFailure
              containers:
              - name: main
                image: busybox:latest
                imagePullPolicy: IfNotPresent
                command: ["/bin/sh", "-c", "if [ -e /state/tried ]; then exit 0; fi; touch /state/tried; exit 3"]
                volumeMounts: [{name: state, mountPath: /state}]
              volumes:
              - name: state
                emptyDir: {medium: ""}
            """);

        var pod = await cluster.WaitPodAsync(ns, "retry", p => AgentCluster.Phase(p) == "Succeeded", TimeSpan.FromSeconds(60), "Succeeded");

        Assert.Equal(1, AgentCluster.RestartCount(pod, "main"));
        var last = AgentCluster.ContainerStatus(pod, "main").GetProperty("lastState").GetProperty("terminated");
        Assert.Equal(3, last.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task CrashingContainer_RestartAlways_CrashLoopBackOffWithGrowingDelay()
    {
        var ns = await cluster.CreateNamespaceAsync("crashloop");
        await CreateAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: crasher, namespace: {{ns}}}
            spec:
              containers:
              - {name: main, image: "busybox:latest", imagePullPolicy: IfNotPresent, command: ["/bin/sh", "-c", "exit 2"]}
            """);

        var starts = new List<DateTime>();
        await cluster.WaitPodAsync(ns, "crasher", p =>
        {
            var status = AgentCluster.ContainerStatus(p, "main");
            if (status.ValueKind == JsonValueKind.Object && status.GetProperty("lastState").TryGetProperty("terminated", out var t)
                && t.TryGetProperty("startedAt", out var s) && s.ValueKind == JsonValueKind.String && !starts.Contains(s.GetDateTime()))
                starts.Add(s.GetDateTime());
            return AgentCluster.RestartCount(p, "main") >= 3 && AgentCluster.WaitingReason(p, "main") == "CrashLoopBackOff";
        }, TimeSpan.FromSeconds(90), "three restarts and CrashLoopBackOff");

        // Back-off doubles from 10 s: the gap before the third run is longer than the gap before the second.
        starts.Sort();
        Assert.True(starts.Count >= 3, $"saw starts {string.Join(", ", starts)}");
        var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps[^1] > gaps[0] + TimeSpan.FromSeconds(5), $"gaps {string.Join(", ", gaps)}");
        var events = (await _kubectl.RunAsync("get", "events", "-n", ns)).Ok();
        Assert.Contains("Back-off restarting failed container", events.Stdout);
    }

    [Fact]
    public async Task MissingImage_PullFails_ErrImagePullThenImagePullBackOff()
    {
        var ns = await cluster.CreateNamespaceAsync("badimage");
        // A registry port on loopback where nothing listens: the pull fails at once without leaving the machine.
        var image = $"127.0.0.1:{FreePort.Next()}/bosun/nope:v1";
        await CreateAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: noimage, namespace: {{ns}}}
            spec:
              containers:
              - {name: main, image: "{{image}}"}
            """);

        var reasons = new HashSet<string>();
        var pod = await cluster.WaitPodAsync(ns, "noimage", p =>
        {
            if (AgentCluster.WaitingReason(p, "main") is { } r) reasons.Add(r);
            return reasons.Contains("ImagePullBackOff");
        }, TimeSpan.FromSeconds(60), "ImagePullBackOff");

        Assert.Equal("Pending", AgentCluster.Phase(pod));
        var events = (await _kubectl.RunAsync("get", "events", "-n", ns)).Ok();
        Assert.Contains("Failed to pull image", events.Stdout);
        Assert.Contains(image, events.Stdout);
    }

    [Fact]
    public async Task DeletePod_PreStopHookRunsAndGracePeriodIsHonoured()
    {
        var ns = await cluster.CreateNamespaceAsync("prestop");
        // sh as PID 1 ignores SIGTERM, so the container lives until the grace period ends and SIGKILL comes.
        await CreateAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: graceful, namespace: {{ns}}}
            spec:
              terminationGracePeriodSeconds: 6
              containers:
              - name: main
                image: busybox:latest
                imagePullPolicy: IfNotPresent
                command: ["/bin/sh", "-c", "sleep 600"]
                lifecycle:
                  preStop:
                    exec: {command: ["/bin/sh", "-c", "echo prestop-ran > /proc/1/fd/1; sleep 1"]}
            """);
        await cluster.WaitRunningAndReadyAsync(ns, "graceful");
        using var follow = _kubectl.Start("logs", "-f", "graceful", "-n", ns);

        var started = DateTime.UtcNow;
        (await _kubectl.RunAsync(["delete", "pod", "graceful", "-n", ns, "--wait=true"], null, TimeSpan.FromSeconds(60))).Ok();
        var took = DateTime.UtcNow - started;

        Assert.True(took >= TimeSpan.FromSeconds(5), $"deletion took {took}");
        Assert.True(took < TimeSpan.FromSeconds(30), $"deletion took {took}");
        await Poll.UntilAsync(() => follow.Lines.Any(l => l.Contains("prestop-ran")), TimeSpan.FromSeconds(10), "the preStop line in the log");
    }

    [Fact]
    public async Task Deployment_ThreeReplicasOfMyapp_EveryPodIpAnswersHttp()
    {
        var ns = await cluster.CreateNamespaceAsync("deploy");
        (await _kubectl.RunAsync("create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=3", "-n", ns)).Ok();

        (await _kubectl.RunAsync(["rollout", "status", "deployment/myapp", "-n", ns, "--timeout=120s"], null, TimeSpan.FromSeconds(130))).Ok();

        var pods = (await _kubectl.RunAsync("get", "pods", "-n", ns, "-l", "app=myapp", "-o", "json")).Ok().Json.GetProperty("items");
        Assert.Equal(3, pods.GetArrayLength());
        foreach (var pod in pods.EnumerateArray())
        {
            var name = pod.GetProperty("metadata").GetProperty("name").GetString();
            Assert.Equal(TestImages.MyAppIndex("v1"), await GetFromPodAsync($"http://{PodIp(pod)}/"));
            Assert.Equal($"{name}\n", await GetFromPodAsync($"http://{PodIp(pod)}/hostname.html"));
        }
    }
}
