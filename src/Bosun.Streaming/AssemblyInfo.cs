// Bosun.Streaming: the wire protocols of exec, attach and port-forward — SPDY/3.1 framing and sessions, and the
// Kubernetes channel protocols (v4/v5.channel.k8s.io) — shared by the API server and the node agent.
