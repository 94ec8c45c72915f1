using Bosun.Agent.Pods;

namespace Bosun.Agent.Tests.Pods;

public sealed class StaticPodsTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          namespace: kube-system
        spec:
          containers:
          - name: app
            image: busybox:latest
        """;

    [Fact]
    public void ToMirrorPod_Manifest_RenamedBoundAndAnnotated()
    {
        var pod = StaticPods.ToMirrorPod(Manifest, "node-a", "/x/web.yaml");
        Assert.Equal("web-node-a", pod.Metadata.Name);
        Assert.Equal("kube-system", pod.Metadata.NamespaceProperty);
        Assert.Equal("node-a", pod.Spec.NodeName);
        Assert.Equal("file", pod.Metadata.Annotations[StaticPods.SourceAnnotation]);
        Assert.Equal(32, pod.Metadata.Annotations[StaticPods.MirrorAnnotation].Length);
        Assert.Equal(pod.Metadata.Annotations[StaticPods.HashAnnotation], pod.Metadata.Annotations[StaticPods.MirrorAnnotation]);
    }

    [Fact]
    public void ToMirrorPod_ChangedManifest_ChangesHash()
    {
        var a = StaticPods.ToMirrorPod(Manifest, "node-a", "f");
        var b = StaticPods.ToMirrorPod(Manifest.Replace("busybox:latest", "busybox:1"), "node-a", "f");
        Assert.NotEqual(a.Metadata.Annotations[StaticPods.MirrorAnnotation], b.Metadata.Annotations[StaticPods.MirrorAnnotation]);
    }

    [Fact]
    public void ToMirrorPod_NotAPod_Throws()
    {
        Assert.Throws<InvalidDataException>(() => StaticPods.ToMirrorPod("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec: {}\n", "n", "f"));
    }
}
