using Bosun.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers.ServiceAccounts;

/// <summary>
/// Makes sure every active namespace has a <c>default</c> ServiceAccount, re-creating it when deleted: pods that
/// name no service account get that one, and admission refuses them if it is missing.
/// </summary>
internal sealed partial class ServiceAccountController : IController
{
    public const string DefaultName = "default";

    private readonly ControllerContext context;
    private readonly Informer<V1Namespace> namespaces;
    private readonly Informer<V1ServiceAccount> serviceAccounts;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ILogger logger;

    public ServiceAccountController(ControllerContext context)
    {
        this.context = context;
        namespaces = context.Informers.For<V1Namespace>();
        serviceAccounts = context.Informers.For<V1ServiceAccount>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        logger = context.Loggers.CreateLogger<ServiceAccountController>();
    }

    public string Name => "serviceaccount";

    public void Register(ControllerHost host)
    {
        namespaces.On(added: ns => queue.Add(ObjectKey.Of(ns)), updated: (_, ns) => queue.Add(ObjectKey.Of(ns)));
        serviceAccounts.On(deleted: sa =>
        {
            if (sa.Metadata.Name == DefaultName) queue.Add(new ObjectKey("", sa.Metadata.NamespaceProperty ?? ""));
        });
        host.AddInformer(namespaces).AddInformer(serviceAccounts).AddController(this, queue);
    }

    /// <summary>The key is a namespace: <c>("", name)</c>.</summary>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        var ns = namespaces.Get(null, key.Name);
        // A terminating namespace refuses new objects; creating one would only fail.
        if (ns is null || ns.Metadata.DeletionTimestamp is not null || ns.Status?.Phase == "Terminating") return ReconcileResult.Done;
        if (serviceAccounts.Get(key.Name, DefaultName) is not null) return ReconcileResult.Done;
        try
        {
            await context.Api.CreateAsync(key.Name, new V1ServiceAccount
            {
                ApiVersion = "v1",
                Kind = "ServiceAccount",
                Metadata = new V1ObjectMeta { Name = DefaultName, NamespaceProperty = key.Name },
            }, ct);
            Log.Created(logger, key.Name);
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            // The cache was behind; it is there.
        }
        catch (ApiException e) when (e.Code is 403 or 404)
        {
            // The namespace began terminating or went away meanwhile.
        }
        return ReconcileResult.Done;
    }

    /// <summary>This controller's log messages.</summary>
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Created the default ServiceAccount in namespace {Namespace}")]
        public static partial void Created(ILogger logger, string @namespace);
    }
}
