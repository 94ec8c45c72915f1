using System.Net;
using Bosun.ApiServer.Admission;
using Bosun.ApiServer.Authorization;
using Bosun.ApiServer.Bootstrap;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.OpenApi;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Allocation;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.ApiServer.Security;
using Bosun.ApiServer.Security.ServiceAccounts;
using Bosun.ApiServer.Watch;
using Bosun.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer;

/// <summary>
/// A running Kubernetes API server: Kestrel over HTTPS in front of the registry, on the given storage.
/// Start order: PKI → watch cache → default namespaces → HTTP; stop in reverse.
/// </summary>
public sealed class ApiServerHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly WatchCache cache;
    private readonly BackgroundLoops loops;

    private readonly NodeProxy.KubeletClient kubelets;

    private ApiServerHost(WebApplication app, WatchCache cache, BackgroundLoops loops, ClusterPki pki, string adminToken, Uri url, NodeProxy.KubeletClient kubelets)
    {
        this.kubelets = kubelets;
        this.app = app;
        this.cache = cache;
        this.loops = loops;
        Pki = pki;
        AdminToken = adminToken;
        Url = url;
    }

    private ServiceAccountKey? serviceAccountKey;
    private ServiceRangeRepair? rangeRepair;
    private ApiServerEndpointReconciler? endpointReconciler;

    /// <summary>
    /// The cluster IP and node port repair loop (frees values no Service holds). Several servers share the bitmaps, so
    /// the embedding process runs it on one of them at a time.
    /// </summary>
    public Task RunServiceRangeRepairAsync(TimeSpan interval, TimeProvider time, CancellationToken ct) =>
        rangeRepair!.RunAsync(interval, time, ct);

    public ClusterPki Pki { get; }

    /// <summary>Issues and checks service-account JWTs (the TokenRequest API and the JWT authenticator use it).</summary>
    public ServiceAccountTokens ServiceAccountTokens { get; private init; } = null!;
    public string AdminToken { get; }
    /// <summary>The address other machines reach this server at: the bind address, or the first non-loopback IPv4 when bound to all.</summary>
    public static IPAddress AdvertiseAddress(IPAddress bind) => KubernetesService.AdvertiseAddress(bind);

    /// <summary>The HTTPS address clients should use (loopback when bound to all addresses).</summary>
    public Uri Url { get; }

    public static async Task<ApiServerHost> StartAsync(ApiServerConfig config, IKeyValueStore storage, ILoggerFactory loggers,
        TimeProvider time, CancellationToken ct)
    {
        Directory.CreateDirectory(config.StateDirectory);
        var pki = ClusterPki.LoadOrCreate(Path.Combine(config.StateDirectory, "tls"),
            new PkiOptions { ClusterDomain = config.ClusterDomain, ServiceCidr = config.ServiceCidr.ToString() }, time);
        var tokenFile = Path.Combine(config.StateDirectory, "token");
        var adminToken = TokenFile.EnsureAdminToken(tokenFile);

        storage = new InstrumentedStore(storage);
        if (config.SecretsEncryption)
            storage = new Security.Encryption.EncryptingStore(storage, new Security.Encryption.AesGcmTransformer(
                Security.Encryption.SecretsKeyFile.LoadOrCreate(Security.Encryption.SecretsKeyFile.PathIn(config.StateDirectory), time)));
        // The range bitmaps live in the datastore, shared with any other server on it.
        var services = new ServiceAllocator(new ClusterIpRange(config.ServiceCidr, storage), new NodePortRange(storage: storage));
        var registrations = BuiltInKinds.Create(services);
        var catalog = new ResourceCatalog(registrations, storage, time);
        var admission = AdmissionPlugins(storage, catalog);
        foreach (var store in catalog.All) store.Admission = admission;
        var cache = new WatchCache(storage, loggers.CreateLogger<WatchCache>(), config.WatchCacheSize);
        try
        {
            await cache.StartAsync(ct);
            await DefaultNamespaces.EnsureAsync(catalog, ct);
            await DefaultStorageClass.EnsureAsync(catalog, ct);
            await BootstrapPolicy.EnsureAsync(catalog, ct);
            // Mark what the stored Services hold before anything allocates (a datastore written before the shared bitmaps existed).
            foreach (var store in catalog.All) await store.RestoreAllocationsAsync(ct);
            return await StartHttpAsync(config, registrations, catalog, services, cache, storage, pki, tokenFile, adminToken, loggers, time, ct);
        }
        catch
        {
            await cache.DisposeAsync();
            pki.Dispose();
            throw;
        }
    }

    private static async Task<ApiServerHost> StartHttpAsync(ApiServerConfig config, IReadOnlyList<ResourceRegistration> registrations,
        ResourceCatalog catalog, ServiceAllocator services, WatchCache cache, IKeyValueStore storage, ClusterPki pki, string tokenFile, string adminToken,
        ILoggerFactory loggers, TimeProvider time, CancellationToken ct)
    {
        var builder = CreateBuilder();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.ConfigureKestrel(o =>
        {
            KestrelHttps.Configure(o, config.BindAddress, config.Port, pki);
            o.Limits.MaxRequestBodySize = null;   // RequestBody enforces Kubernetes' 3 MiB limit with a Status answer
            o.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        var app = builder.Build();
        var saKey = ServiceAccountKey.LoadOrCreate(pki.Directory);
        var saTokens = new ServiceAccountTokens(saKey, ServiceAccountTokens.DefaultIssuer(config.ClusterDomain), time);
        var authenticator = CompositeAuthenticator.Create(pki, tokenFile, time, new ServiceAccountAuthenticator(saTokens, new CatalogLookup(catalog)),
            new Security.Bootstrap.BootstrapTokenAuthenticator(new CatalogLookup(catalog), time));
        var metrics = new ResourceMetrics.MetricsApi(catalog, new ResourceMetrics.MetricsStore(time), time);
        var rbac = new RbacCache(storage, catalog);
        var nodes = new NodeAuthorizer(NodeAuthorizer.Follower(storage, catalog));
        var authorizer = Authorizers(nodes, rbac);
        var reviews = new ReviewApi(authorizer, rbac, authenticator, new Http.ResponseWriter(time));
        var discovery = new Discovery(registrations.Concat(ResourceMetrics.MetricsApi.Registrations()).Concat(ReviewApi.Registrations()));
        var kubelets = new NodeProxy.KubeletClient(pki);
        var endpoints = new Endpoints(catalog, discovery, cache, storage, time, metrics, kubelets, saTokens, reviews, pki.CaPem, pki.AgentCaPem);
        // Built on first request, not here: generating the documents (reflection over KubernetesClient plus its 25 MB XML
        // documentation) costs ~0.4 s of start-up and ~85 MB of resident memory that an idle server would keep for nothing.
        var openApi = new OpenApiService(registrations.Select(OpenApiResources.From));
        app.UseMiddleware<RequestMetrics>();
        app.Use(AdmissionWarnings.CollectAsync);
        app.UseBosunAuthentication(authenticator);
        app.UseMiddleware<AuthorizationMiddleware>(authorizer, rbac, nodes);
        app.UseOpenApi(openApi);
        app.Run(endpoints.DispatchAsync);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await app.DisposeAsync();
            throw new ApiServerStartException($"cannot listen on {config.BindAddress}:{config.Port}: address already in use", e);
        }

        var port = BoundPort(app);
        var host = config.BindAddress.Equals(IPAddress.Any) || config.BindAddress.Equals(IPAddress.IPv6Any)
            ? "127.0.0.1"
            : config.BindAddress.ToString();
        var url = new Uri($"https://{(host.Contains(':') ? $"[{host}]" : host)}:{port}");
        if (config.KubeconfigPath is { } kubeconfig)
            KubeconfigWriter.Write(kubeconfig, url.ToString().TrimEnd('/'), pki.CaPem, pki.AdminCertificatePem, pki.AdminKeyPem);

        ComponentCredentials.Write(pki, config.StateDirectory, url.ToString().TrimEnd('/'));
        await KubernetesService.EnsureAsync(catalog, services.Ips.FirstAddress, port, ct);
        var endpointReconciler = new ApiServerEndpointReconciler(catalog, KubernetesService.AdvertiseAddress(config.BindAddress), port, time,
            loggers.CreateLogger<ApiServerEndpointReconciler>());
        await endpointReconciler.RenewAndReconcileAsync(ct);

        var loops = new BackgroundLoops(loggers.CreateLogger<BackgroundLoops>());
        loops.Start("apiserver-endpoints", endpointReconciler.RunAsync);
        loops.Start("namespace-cache", t => catalog.Namespaces.FollowAsync(cache, catalog.Get("", "v1", "namespaces").Registration, t));
        loops.Start("resourcequota-index", t => catalog.Quotas.FollowAsync(cache, t));
        loops.Start("namespace-finalizer", t => new NamespaceFinalizer(catalog, cache, loggers.CreateLogger<NamespaceFinalizer>(), time).RunAsync(t));
        loops.Start("rbac-cache", t => rbac.FollowAsync(cache, t));
        loops.Start("node-authorizer-graph", t => nodes.FollowAsync(cache, t));
        loops.Start("clusterrole-aggregation", t => new ClusterRoleAggregator(rbac, catalog, time, loggers.CreateLogger<ClusterRoleAggregator>()).RunAsync(t));
        loops.Start("resourcequota-status", t => Controllers.WatchDriven.RunAsync(new ResourceQuotaStatus(storage, catalog), cache,
            ResourceQuotaStatus.Resync, time, loggers.CreateLogger<ResourceQuotaStatus>(), t));
        loops.Start("root-ca-publisher", t => Controllers.WatchDriven.RunAsync(new RootCaPublisher(storage, catalog, pki.CaPem), cache,
            null, time, loggers.CreateLogger<RootCaPublisher>(), t));
        loops.Start("certificate-rotation", t => new CertificateRotation(pki, changed =>
        {
            // The kubeconfigs embed client certificates: rewrite them when the admin certificate was renewed.
            if (!changed.Contains(ClusterPki.AdminCertFile)) return;
            if (config.KubeconfigPath is { } path)
                KubeconfigWriter.Write(path, url.ToString().TrimEnd('/'), pki.CaPem, pki.AdminCertificatePem, pki.AdminKeyPem);
            ComponentCredentials.Write(pki, config.StateDirectory, url.ToString().TrimEnd('/'));
        }, time, loggers.CreateLogger<CertificateRotation>()).RunAsync(t));
        loops.Start("csr-controller", t => Controllers.WatchDriven.RunAsync(new Security.Certificates.CsrController(storage, catalog, pki, authorizer, time),
            cache, null, time, loggers.CreateLogger<Security.Certificates.CsrController>(), t));
        if (config.CompactionInterval > TimeSpan.Zero)   // zero: the embedding process compacts (bosun server: under a Lease)
            loops.Start("compactor", t => new Compactor(storage, config.CompactionInterval, time, loggers.CreateLogger<Compactor>()).RunAsync(t));
        endpoints.Ready = true;
        var repair = new ServiceRangeRepair(services, catalog.Get("", "v1", "services").ReadAllStoredAsync, loggers.CreateLogger<ServiceRangeRepair>());
        return new ApiServerHost(app, cache, loops, pki, adminToken, url, kubelets) { ServiceAccountTokens = saTokens, serviceAccountKey = saKey, rangeRepair = repair, endpointReconciler = endpointReconciler };
    }

    /// <summary>
    /// ASP.NET's defaults read appsettings.json from the working directory and watch it for changes, which on Linux is
    /// a recursive inotify watch of the whole working directory: started from / or /tmp, every file written anywhere
    /// below (the datastore's own WAL on each commit, other processes' files) woke this process. The server reads no
    /// configuration files, so the content root is its own directory and nothing is watched.
    /// </summary>
    internal static WebApplicationOptions HostOptions() => new()
    {
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    };

    /// <summary>
    /// The web host with only what the server uses: Kestrel's core (HTTP/1.1, HTTP/2, TLS configured in code) and no
    /// configuration files, logging providers, host filtering, routing or QUIC transport, which the slim builder adds and
    /// an idle server would keep loaded for nothing (bench/README.md, idle footprint round 3).
    /// </summary>
    internal static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateEmptyBuilder(HostOptions());
        builder.WebHost.UseKestrelCore();
        return builder;
    }

    /// <summary>
    /// The admission plugins in kube-apiserver's order (NamespaceLifecycle is the store's own namespace guard; the
    /// DefaultTolerationSeconds and system-class Priority defaults live in the pod strategy).
    /// </summary>
    internal static AdmissionChain AdmissionPlugins(IKeyValueStore storage, ResourceCatalog catalog) => new(
        new SecretStringData(),
        new LimitRanger(storage, catalog.Get("", "v1", "limitranges").Registration),
        new ServiceAccountAdmission(storage, catalog.Get("", "v1", "serviceaccounts").Registration),
        new NodeRestriction(storage, catalog.Get("", "v1", "pods").Registration, catalog.Get("", "v1", "nodes").Registration),
        new Admission.PodSecurity.PodSecurityAdmission(storage, catalog.Get("", "v1", "namespaces").Registration, catalog.Get("", "v1", "pods").Registration),
        new PriorityAdmission(storage, catalog.Get("scheduling.k8s.io", "v1", "priorityclasses").Registration),
        new DefaultStorageClassAdmission(storage),
        new ResourceQuotaAdmission(storage, catalog),
        new CsrRequester());

    /// <summary>kube-apiserver's <c>--authorization-mode=Node,RBAC</c> behind the system:masters shortcut.</summary>
    private static IAuthorizer Authorizers(NodeAuthorizer nodes, RbacCache rbac) =>
        new UnionAuthorizer(new MastersAuthorizer(), nodes, new RbacAuthorizer(() => rbac.Snapshot));

    /// <summary>A clean stop takes this server out of the <c>kubernetes</c> Endpoints at once rather than when its Lease expires.</summary>
    private async Task RemoveFromEndpointsAsync()
    {
        if (endpointReconciler is null) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await endpointReconciler.RemoveAsync(timeout.Token);
        }
        catch (Exception e) when (e is Errors.ApiException or StorageException or OperationCanceledException)
        {
            // Best effort: the Lease expires on its own.
        }
    }

    private static int BoundPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "localhost").Replace("0.0.0.0", "localhost")).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await loops.DisposeAsync();
        await RemoveFromEndpointsAsync();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
        await cache.DisposeAsync();
        serviceAccountKey?.Dispose();
        kubelets.Dispose();
        Pki.Dispose();
    }
}

/// <summary>The API server could not start for a reason the user can fix (a port in use).</summary>
public sealed class ApiServerStartException(string message, Exception inner) : Exception(message, inner);
