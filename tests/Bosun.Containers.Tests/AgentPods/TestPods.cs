using Bosun.Client;
using Bosun.Testing;
using Bosun.Testing.Containers;
using k8s.Models;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>Pod specs and waits for the agent's real-container tests.</summary>
internal static class TestPods
{
    public static V1Container Busybox(string name, string script) => new()
    {
        Name = name,
        Image = TestImages.Busybox,
        ImagePullPolicy = "IfNotPresent",
        Command = ["sh", "-c", script],
    };

    public static V1Pod Pod(string name, string node, string restartPolicy, params V1Container[] containers) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec
        {
            NodeName = node,
            RestartPolicy = restartPolicy,
            TerminationGracePeriodSeconds = 2,
            Containers = containers,
        },
    };

    public static async Task<V1Pod> CreateAsync(ApiClient api, V1Pod pod) => await api.CreateAsync("default", pod, CancellationToken.None);

    public static Task<V1Pod> GetAsync(ApiClient api, string name) => api.GetAsync<V1Pod>("default", name, CancellationToken.None);

    /// <summary>Polls the pod until <paramref name="condition"/> holds; the failure names the last status seen.</summary>
    public static async Task<V1Pod> WaitAsync(ApiClient api, string name, Func<V1Pod, bool> condition, TimeSpan timeout, string what)
    {
        V1Pod? last = null;
        try
        {
            await TestCluster.EventuallyAsync(async () =>
            {
                last = await api.TryGetAsync<V1Pod>("default", name, CancellationToken.None);
                return last is not null && condition(last);
            }, timeout, what);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what}; last status: {k8s.KubernetesJson.Serialize(last?.Status)}");
        }
        return last!;
    }

    public static bool IsReady(V1Pod p) => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>Deletes the pod and waits until the agent has removed it from the API (its containers are gone).</summary>
    public static async Task DeleteAndWaitAsync(ApiClient api, string name, TimeSpan? timeout = null)
    {
        await api.DeleteAsync<V1Pod>("default", name, CancellationToken.None);
        await TestCluster.EventuallyAsync(async () => await api.TryGetAsync<V1Pod>("default", name, CancellationToken.None) is null,
            timeout ?? TimeSpan.FromSeconds(60), $"pod {name} removed by the agent");
    }
}
