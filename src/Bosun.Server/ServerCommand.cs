using System.CommandLine;
using System.Net;

namespace Bosun.Server;

/// <summary>
/// <c>bosun server</c>: flags named as k3s names them. Parsing only; <see cref="ServerOptions.Complete"/> checks the
/// values and <see cref="ServerHost"/> runs the result.
/// </summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir", "-d") { Description = "Folder for all state (default /var/lib/bosun as root, else ~/.bosun)" };
        var port = new Option<int>("--https-listen-port") { Description = "HTTPS port of the API server", DefaultValueFactory = _ => 6443 };
        var bind = new Option<string>("--bind-address") { Description = "Address the API server listens on", DefaultValueFactory = _ => "0.0.0.0" };
        var kubeconfig = new Option<string?>("--write-kubeconfig", "-o") { Description = "Where to write the admin kubeconfig (default <data-dir>/admin.kubeconfig)" };
        var datastore = new Option<string?>("--datastore-endpoint") { Description = "sqlite://PATH (default <data-dir>/server/db/state.db), memory://, or etcd http(s)://HOST:PORT[,HOST:PORT...]" };
        var datastoreCa = new Option<string?>("--datastore-cafile") { Description = "PEM CA bundle for the etcd members' certificates" };
        var datastoreCert = new Option<string?>("--datastore-certfile") { Description = "PEM client certificate for etcd" };
        var datastoreKey = new Option<string?>("--datastore-keyfile") { Description = "PEM client key for etcd" };
        var token = new Option<string?>("--token", "-t") { Description = "Shared secret of the cluster's servers (required with etcd; see docs/multi-server.md)" };
        var compactionInterval = new Option<int>("--compaction-interval") { Description = "Seconds between storage compactions; history younger than one interval stays", DefaultValueFactory = _ => 300 };
        var compactionRetain = new Option<long>("--compaction-retain-revisions") { Description = "Keep this many revisions of history instead of one interval (0 = by time)" };
        var leaseDuration = new Option<int>("--leader-elect-lease-duration") { Description = "Seconds a leader's Lease lasts (controller manager, scheduler, compactor)", DefaultValueFactory = _ => 15 };
        var disableAgent = new Option<bool>("--disable-agent") { Description = "Do not run the node agent in this process" };
        var disableControllerManager = new Option<bool>("--disable-controller-manager") { Description = "Do not run the controllers in this process" };
        var disableScheduler = new Option<bool>("--disable-scheduler") { Description = "Do not run the scheduler in this process" };
        var nodeGrace = new Option<int>("--node-monitor-grace-period") { Description = "Seconds without a node heartbeat before the node is NotReady", DefaultValueFactory = _ => 40 };
        var serviceCidr = new Option<string>("--service-cidr") { Description = "Virtual IP range of Services", DefaultValueFactory = _ => "10.96.0.0/12" };
        var clusterCidr = new Option<string>("--cluster-cidr") { Description = "Pod IP range (a /24 per node)", DefaultValueFactory = _ => "10.244.0.0/16" };
        var clusterDns = new Option<string?>("--cluster-dns") { Description = "Cluster DNS Service IP (default: the 10th address of --service-cidr)" };
        var clusterDomain = new Option<string>("--cluster-domain") { Description = "Cluster DNS domain", DefaultValueFactory = _ => "cluster.local" };
        var nodeName = new Option<string?>("--node-name") { Description = "Node name of the built-in agent (default: the host name)" };
        var nodeIp = new Option<string?>("--node-ip") { Description = "InternalIP of the built-in agent's node (default: the default-route interface's address)" };
        var runtimeEndpoint = new Option<string?>("--container-runtime-endpoint") { Description = "CRI socket for the built-in agent instead of its own containerd" };
        var noInstall = new Option<bool>("--no-install") { Description = "Never install missing host packages for the agent; print the apt-get line and exit" };
        var disableProxy = new Option<bool>("--disable-kube-proxy") { Description = "Do not run the built-in agent's iptables service proxy" };
        var backend = new Option<string?>("--flannel-backend") { Description = "Pod network across nodes: host-gw (routes + masquerade; default with the agent's own containerd) or none (default with --container-runtime-endpoint)" };
        var disableDns = new Option<bool>("--disable-cluster-dns") { Description = "Do not run the built-in agent's cluster DNS" };
        var resolvConf = new Option<string>("--resolv-conf") { Description = "Resolver file for dnsPolicy Default pods and the cluster DNS's upstreams", DefaultValueFactory = _ => "/etc/resolv.conf" };
        var kubeletPort = new Option<int>("--kubelet-port") { Description = "Port of the built-in agent's streaming server (logs, exec, port-forward)", DefaultValueFactory = _ => 10250 };
        var cgroupRoot = new Option<string>("--cgroup-root") { Description = "Parent cgroup of the built-in agent's pods", DefaultValueFactory = _ => "/bosun" };
        var secretsEncryption = new Option<bool>("--secrets-encryption") { Description = "Encrypt Secrets in the datastore (AES-GCM, key in <data-dir>/server/cred/secrets-encryption.key)" };
        var ignorePreflight = ServerPreflight.IgnoreOption();
        var logFormat = new Option<string>("--log-format") { Description = "text or json", DefaultValueFactory = _ => "text" };

        var command = new Command("server", "Run the control plane (API server on an embedded datastore).")
        {
            dataDir, port, bind, kubeconfig, datastore, datastoreCa, datastoreCert, datastoreKey, token, leaseDuration, compactionInterval, compactionRetain, disableAgent, disableControllerManager, disableScheduler, nodeGrace, serviceCidr, clusterCidr, clusterDns, clusterDomain, logFormat,
            nodeName, nodeIp, runtimeEndpoint, noInstall, kubeletPort, cgroupRoot, disableProxy, disableDns, resolvConf, backend, secretsEncryption, ignorePreflight,
        };
        command.SetAction(async (result, ct) =>
        {
            var options = new ServerOptions
            {
                DataDir = result.GetValue(dataDir),
                HttpsListenPort = result.GetValue(port),
                BindAddress = result.GetValue(bind)!,
                WriteKubeconfig = result.GetValue(kubeconfig),
                DatastoreEndpoint = result.GetValue(datastore),
                DatastoreTls = new DatastoreTls(result.GetValue(datastoreCa), result.GetValue(datastoreCert), result.GetValue(datastoreKey)),
                Token = result.GetValue(token),
                LeaderElectLeaseDurationSeconds = result.GetValue(leaseDuration),
                CompactionIntervalSeconds = result.GetValue(compactionInterval),
                CompactionRetainRevisions = result.GetValue(compactionRetain),
                DisableAgent = result.GetValue(disableAgent),
                DisableControllerManager = result.GetValue(disableControllerManager),
                DisableScheduler = result.GetValue(disableScheduler),
                NodeMonitorGracePeriodSeconds = result.GetValue(nodeGrace),
                ServiceCidr = result.GetValue(serviceCidr)!,
                ClusterCidr = result.GetValue(clusterCidr)!,
                ClusterDns = result.GetValue(clusterDns),
                ClusterDomain = result.GetValue(clusterDomain)!,
                LogFormat = result.GetValue(logFormat)!,
                NodeName = result.GetValue(nodeName),
                NodeIp = result.GetValue(nodeIp),
                ContainerRuntimeEndpoint = result.GetValue(runtimeEndpoint),
                NoInstall = result.GetValue(noInstall),
                KubeletPort = result.GetValue(kubeletPort),
                DisableKubeProxy = result.GetValue(disableProxy),
                FlannelBackend = result.GetValue(backend),
                DisableClusterDns = result.GetValue(disableDns),
                CgroupRoot = result.GetValue(cgroupRoot)!,
                ResolvConf = result.GetValue(resolvConf)!,
                SecretsEncryption = result.GetValue(secretsEncryption),
            };
            if (!options.TryComplete(out var config, out var problems))
            {
                foreach (var p in problems) await Console.Error.WriteLineAsync($"bosun server: {p}");
                return 2;
            }
            if (!ServerPreflight.Run(ServerPreflight.For(config), result.GetValue(ignorePreflight))) return 1;
            return await ServerHost.RunAsync(config, ct);
        });
        return command;
    }
}
