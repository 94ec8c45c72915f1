using System.Runtime.CompilerServices;

// The service proxy's namespace tests run the DNS behind the kube-dns Service (name → cluster IP → DNAT → pod).
[assembly: InternalsVisibleTo("Bosun.Proxy.Tests")]
