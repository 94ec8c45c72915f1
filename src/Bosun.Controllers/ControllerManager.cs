using Bosun.Client;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers;

/// <summary>
/// The controller manager: builds every controller on shared informers and runs them while this process holds the
/// <c>kube-controller-manager</c> Lease in kube-system, so that of several servers exactly one runs controllers.
/// </summary>
public sealed class ControllerManager(ApiClient api, ILoggerFactory loggers, TimeProvider time, string identity, ControllerManagerOptions? options = null)
{
    public ControllerManagerOptions Options { get; } = options ?? new ControllerManagerOptions();

    public async Task RunAsync(CancellationToken ct)
    {
        var elector = LeaderElector.WithLeaseDuration(api, "kube-system", "kube-controller-manager", identity,
            loggers.CreateLogger<LeaderElector>(), time, Options.LeaderElectLeaseDuration);
        await elector.RunAsync(RunControllersAsync, ct);
    }

    /// <summary>Runs all controllers until <paramref name="ct"/> ends (tests call this directly, without election).</summary>
    public async Task RunControllersAsync(CancellationToken ct)
    {
        var informers = new SharedInformers(api, loggers, time);
        var events = new EventRecorder(api, "controller-manager", loggers.CreateLogger<EventRecorder>(), time);
        var context = new ControllerContext(api, informers, events, loggers, time);
        var host = new ControllerHost(loggers.CreateLogger<ControllerHost>());
        foreach (var controller in Controllers(context, Options)) controller.Register(host);
        foreach (var informer in informers.All) host.AddInformer(informer);
        await Task.WhenAll(host.RunAsync(ct), events.RunAsync(ct));
    }

    /// <summary>Every controller, one line each.</summary>
    internal static IEnumerable<IController> Controllers(ControllerContext context, ControllerManagerOptions options) =>
    [
        new ReplicaSets.ReplicaSetController<k8s.Models.V1ReplicaSet>(context, ReplicaSets.ReplicaKinds.ReplicaSets),
        new ReplicaSets.ReplicaSetController<k8s.Models.V1ReplicationController>(context, ReplicaSets.ReplicaKinds.ReplicationControllers),
        new Deployments.DeploymentController(context),
        new GarbageCollector.GarbageCollector(context, GarbageCollector.GarbageCollector.DefaultKinds(context)),
        new ServiceAccounts.ServiceAccountController(context),
        new EndpointSlices.EndpointsController(context),
        new Jobs.JobController(context),
        new Jobs.TtlAfterFinishedController(context),
        new CronJobs.CronJobController(context),
        new DaemonSets.DaemonSetController(context),
        new StatefulSets.StatefulSetController(context),
        new NodeIpam.NodeIpamController(context, options.ClusterCidr, options.NodeCidrMaskSize),
        new NodeLifecycle.NodeLifecycleController(context, options.NodeMonitorGracePeriod, options.NodeMonitorPeriod),
        new Disruption.DisruptionController(context),
        new HorizontalPodAutoscalers.HorizontalPodAutoscalerController(context),
        new PersistentVolumes.PersistentVolumeController(context),
    ];
}

/// <summary>Settings of the controller manager (kube-controller-manager's flags of the same names); every one has upstream's default.</summary>
public sealed record ControllerManagerOptions
{
    /// <summary><c>--cluster-cidr</c>: the range node pod CIDRs are cut from.</summary>
    public string ClusterCidr { get; init; } = "10.244.0.0/16";

    /// <summary><c>--node-cidr-mask-size</c>: each node's pod CIDR prefix length.</summary>
    public int NodeCidrMaskSize { get; init; } = 24;

    /// <summary><c>--node-monitor-grace-period</c>: how long a node may go without a heartbeat before it is Unknown.</summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary><c>--node-monitor-period</c>: how often each node's health is looked at again.</summary>
    public TimeSpan NodeMonitorPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>--leader-elect-lease-duration</c>: how long the controller manager's Lease lasts without renewal.</summary>
    public TimeSpan LeaderElectLeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>A controller that wires its informer handlers to its queue and adds itself to the host.</summary>
public interface IController : IReconciler
{
    void Register(ControllerHost host);
}
