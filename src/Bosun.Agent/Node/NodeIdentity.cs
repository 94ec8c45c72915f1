using k8s.Models;

namespace Bosun.Agent.Node;

/// <summary>What the pod workers need to know about their node: its name, InternalIP and allocatable resources.</summary>
internal sealed record NodeIdentity(string Name, string InternalIp, IDictionary<string, ResourceQuantity> Allocatable);
