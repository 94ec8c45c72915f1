using Bosun.Agent;
using Bosun.Testing;
using Bosun.Testing.Containers;
using k8s.Models;
using static Bosun.Containers.Tests.AgentPods.TestPods;

namespace Bosun.Containers.Tests.AgentPods;

[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class StaticPodTests(AgentCluster fixture)
{
    [Fact]
    public async Task StaticPod_ManifestInDirectory_MirroredRunningThenRemovedWithTheFile()
    {
        var api = fixture.Cluster.Api;
        var node = $"node-{Guid.NewGuid().ToString("N")[..6]}";
        var manifests = new AgentPaths(fixture.Containerd.DataDir).PodManifests;
        Directory.CreateDirectory(manifests);
        var file = Path.Combine(manifests, node + ".yaml");
        await File.WriteAllTextAsync(file, $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: static-web
            spec:
              nodeName: {{node}}
              terminationGracePeriodSeconds: 2
              containers:
              - name: app
                image: {{TestImages.Busybox}}
                imagePullPolicy: IfNotPresent
                command: ["sleep", "3600"]
            """);
        try
        {
            await using var agent = await fixture.StartAgentAsync(node);
            var mirror = await WaitAsync(api, $"static-web-{node}", p => p.Status?.Phase == "Running", TimeSpan.FromSeconds(60), "mirror pod Running");
            Assert.True(mirror.Metadata.Annotations.ContainsKey("kubernetes.io/config.mirror"));
            Assert.Equal("Node", mirror.Metadata.OwnerReferences.Single().Kind);
            File.Delete(file);
            await TestCluster.EventuallyAsync(async () => await api.TryGetAsync<V1Pod>("default", $"static-web-{node}", CancellationToken.None) is null,
                TimeSpan.FromSeconds(60), "mirror pod removed after its manifest");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
