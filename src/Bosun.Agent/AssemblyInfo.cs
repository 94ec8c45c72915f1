// Bosun.Agent: the node agent (kubelet). It registers its Node, runs the pods bound to it on a CRI runtime
// (containerd, which it supervises), mounts their volumes, probes them and reports status — a client of the API only.
