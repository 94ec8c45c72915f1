using Bosun.Api;
using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.VolumeBinding;
using k8s.Models;

namespace Bosun.Scheduler.Tests.Plugins.VolumeBinding;

public sealed class VolumeBindingPluginTests
{
    /// <summary>Fixed claims, volumes and classes (the plugin only reads them).</summary>
    private sealed class Lister : IVolumeLister
    {
        public List<V1PersistentVolumeClaim> Claims { get; } = [];
        public List<V1PersistentVolume> Pvs { get; } = [];
        public List<V1StorageClass> Classes { get; } = [];

        public V1PersistentVolumeClaim? GetClaim(string ns, string name) => Claims.FirstOrDefault(c => c.Metadata.NamespaceProperty == ns && c.Metadata.Name == name);
        public V1PersistentVolume? GetVolume(string name) => Pvs.FirstOrDefault(v => v.Metadata.Name == name);
        public IEnumerable<V1PersistentVolume> Volumes() => Pvs;
        public V1StorageClass? GetClass(string name) => Classes.FirstOrDefault(c => c.Metadata.Name == name);
    }

    private static V1StorageClass Class(string name, string mode, string provisioner = StorageAnnotations.LocalPathProvisioner) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Provisioner = provisioner, VolumeBindingMode = mode };

    private static V1PersistentVolumeClaim Claim(string name, string cls, string? volumeName = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = "uid-" + name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"], StorageClassName = cls, VolumeName = volumeName,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
        },
    };

    private static V1PersistentVolume LocalVolume(string name, string node, string cls) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeSpec
        {
            AccessModes = ["ReadWriteOnce"], StorageClassName = cls,
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("5Gi") },
            Local = new V1LocalVolumeSource { Path = "/data/" + name },
            NodeAffinity = new V1VolumeNodeAffinity
            {
                Required = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "kubernetes.io/hostname", OperatorProperty = "In", Values = [node] }] }],
                },
            },
        },
        Status = new V1PersistentVolumeStatus { Phase = "Available" },
    };

    private static V1Pod PodWithClaims(params string[] claims)
    {
        var pod = Build.Pod();
        pod.Spec.Volumes = claims.Select(c => new V1Volume { Name = c, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = c } }).ToList();
        return pod;
    }

    private static (Status PreFilter, Status[] Filters) Run(Lister lister, V1Pod pod, params string[] nodes)
    {
        var plugin = new VolumeBindingPlugin(lister);
        var state = new CycleState();
        var infos = nodes.Select(n => Build.NodeInfo(Build.Node(n))).ToList();
        var pre = plugin.PreFilter(state, pod.Info(), Snapshot.From(infos));
        return (pre, pre.IsSuccess ? infos.Select(n => plugin.Filter(state, pod.Info(), n)).ToArray() : []);
    }

    [Fact]
    public void PreFilter_PodWithoutClaims_PassesEverywhere()
    {
        var (pre, filters) = Run(new Lister(), Build.Pod(), "n1");
        Assert.True(pre.IsSuccess);
        Assert.All(filters, s => Assert.True(s.IsSuccess));
    }

    [Fact]
    public void PreFilter_MissingClaim_IsUnresolvable()
    {
        var (pre, _) = Run(new Lister(), PodWithClaims("data"), "n1");
        Assert.Equal(Status.UnschedulableAndUnresolvable("persistentvolumeclaim \"data\" not found"), pre);
    }

    [Fact]
    public void PreFilter_UnboundImmediateClaim_Waits()
    {
        var lister = new Lister();
        lister.Classes.Add(Class("fast", "Immediate"));
        lister.Claims.Add(Claim("data", "fast"));

        var (pre, _) = Run(lister, PodWithClaims("data"), "n1");

        Assert.Equal(VolumeBindingPlugin.UnboundImmediate, pre.Message);
    }

    [Fact]
    public void Filter_BoundLocalVolume_OnlyItsNodeFits()
    {
        var lister = new Lister();
        lister.Pvs.Add(LocalVolume("pv1", "n2", ""));
        lister.Claims.Add(Claim("data", "", volumeName: "pv1"));

        var (_, filters) = Run(lister, PodWithClaims("data"), "n1", "n2");

        Assert.Equal(VolumeBindingPlugin.NodeConflict, filters[0].Message);
        Assert.True(filters[1].IsSuccess);
    }

    [Fact]
    public void Filter_WaitForFirstConsumerWithProvisioner_FitsEveryNode()
    {
        var lister = new Lister();
        lister.Classes.Add(Class("local-path", StorageAnnotations.WaitForFirstConsumer));
        lister.Claims.Add(Claim("data", "local-path"));

        var (_, filters) = Run(lister, PodWithClaims("data"), "n1", "n2");

        Assert.All(filters, s => Assert.True(s.IsSuccess));
    }

    [Fact]
    public void Filter_WaitForFirstConsumerStaticOnly_NeedsANodeWithAFreeVolume()
    {
        var lister = new Lister();
        lister.Classes.Add(Class("local", StorageAnnotations.WaitForFirstConsumer, "kubernetes.io/no-provisioner"));
        lister.Claims.Add(Claim("data", "local"));
        lister.Pvs.Add(LocalVolume("pv-n2", "n2", "local"));

        var (_, filters) = Run(lister, PodWithClaims("data"), "n1", "n2");

        Assert.Equal(VolumeBindingPlugin.NoMatch, filters[0].Message);
        Assert.True(filters[1].IsSuccess);
    }

    [Fact]
    public void DecideFor_TwoClaimsOneFreeVolume_PrebindsOneAndProvisionsTheOther()
    {
        var lister = new Lister();
        lister.Classes.Add(Class("local-path", StorageAnnotations.WaitForFirstConsumer));
        lister.Claims.Add(Claim("a", "local-path"));
        lister.Claims.Add(Claim("b", "local-path"));
        lister.Pvs.Add(LocalVolume("pv-n1", "n1", "local-path"));

        var decision = new VolumeBindingPlugin(lister).DecideFor(PodWithClaims("a", "b"), Build.NodeInfo(Build.Node("n1")))!;

        Assert.Null(decision.Reason);
        Assert.Equal(("a", "pv-n1"), (decision.StaticBindings.Single().Claim.Metadata.Name, decision.StaticBindings.Single().Volume.Metadata.Name));
        Assert.Equal("b", decision.Provision.Single().Metadata.Name);
    }
}
