// Bosun.Agent: the node agent (kubelet). It registers its Node, runs the pods bound to it on a CRI runtime
// (containerd, which it supervises), mounts their volumes, probes them and reports status — a client of the API only.

// The bosun binary (assembly "bosun") composes the agent; the real-container tests and the shared test fixtures
// (test images, ContainerdFixture) use the runtime edge directly.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("bosun")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Bosun.Testing")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Bosun.Containers.Tests")]
