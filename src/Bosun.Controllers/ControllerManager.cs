using Bosun.Client;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers;

/// <summary>
/// The controller manager: builds every controller on shared informers and runs them while this process holds the
/// <c>kube-controller-manager</c> Lease in kube-system, so that of several servers exactly one runs controllers.
/// </summary>
public sealed class ControllerManager(ApiClient api, ILoggerFactory loggers, TimeProvider time, string identity)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var elector = new LeaderElector(api, "kube-system", "kube-controller-manager", identity,
            loggers.CreateLogger<LeaderElector>(), time);
        await elector.RunAsync(RunControllersAsync, ct);
    }

    /// <summary>Runs all controllers until <paramref name="ct"/> ends (tests call this directly, without election).</summary>
    public async Task RunControllersAsync(CancellationToken ct)
    {
        var informers = new SharedInformers(api, loggers, time);
        var events = new EventRecorder(api, "controller-manager", loggers.CreateLogger<EventRecorder>(), time);
        var context = new ControllerContext(api, informers, events, loggers, time);
        var host = new ControllerHost(loggers.CreateLogger<ControllerHost>());
        foreach (var controller in Controllers(context)) controller.Register(host);
        foreach (var informer in informers.All) host.AddInformer(informer);
        await Task.WhenAll(host.RunAsync(ct), events.RunAsync(ct));
    }

    /// <summary>Every controller, one line each.</summary>
    internal static IEnumerable<IController> Controllers(ControllerContext context) =>
    [
        new ReplicaSets.ReplicaSetController<k8s.Models.V1ReplicaSet>(context, ReplicaSets.ReplicaKinds.ReplicaSets),
        new ReplicaSets.ReplicaSetController<k8s.Models.V1ReplicationController>(context, ReplicaSets.ReplicaKinds.ReplicationControllers),
        new Deployments.DeploymentController(context),
        new GarbageCollector.GarbageCollector(context, GarbageCollector.GarbageCollector.DefaultKinds(context)),
        new ServiceAccounts.ServiceAccountController(context),
        new EndpointSlices.EndpointsController(context),
        new HorizontalPodAutoscalers.HorizontalPodAutoscalerController(context),
    ];
}

/// <summary>A controller that wires its informer handlers to its queue and adds itself to the host.</summary>
public interface IController : IReconciler
{
    void Register(ControllerHost host);
}
