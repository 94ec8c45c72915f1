using k8s.Models;

namespace Bosun.Scheduler.Framework;

/// <summary>The scheduler's resource arithmetic: millicores and bytes (upstream framework.Resource, cpu and memory only).</summary>
public record struct Resources(long MilliCpu, long Memory)
{
    /// <summary>What a container without requests counts as when scoring (upstream DefaultMilliCPURequest / DefaultMemoryRequest).</summary>
    public const long DefaultMilliCpu = 100;
    public const long DefaultMemory = 200L * 1024 * 1024;

    public static Resources operator +(Resources a, Resources b) => new(a.MilliCpu + b.MilliCpu, a.Memory + b.Memory);

    public static Resources operator -(Resources a, Resources b) => new(a.MilliCpu - b.MilliCpu, a.Memory - b.Memory);

    public static Resources Max(Resources a, Resources b) => new(Math.Max(a.MilliCpu, b.MilliCpu), Math.Max(a.Memory, b.Memory));

    /// <summary>cpu and memory from a resource list (requests, allocatable); missing entries are zero.</summary>
    public static Resources From(IDictionary<string, ResourceQuantity>? list) =>
        new(MilliCpuOf(list, "cpu"), ValueOf(list, "memory"));

    /// <summary>As <see cref="From"/>, but a missing cpu or memory request counts as the scoring default (upstream GetNonzeroRequests).</summary>
    public static Resources NonZeroFrom(IDictionary<string, ResourceQuantity>? list) =>
        new(list is not null && list.ContainsKey("cpu") ? MilliCpuOf(list, "cpu") : DefaultMilliCpu,
            list is not null && list.ContainsKey("memory") ? ValueOf(list, "memory") : DefaultMemory);

    public static long MilliCpuOf(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) && q is not null ? (long)Math.Ceiling(q.ToDecimal() * 1000m) : 0;

    public static long ValueOf(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) && q is not null ? (long)Math.Ceiling(q.ToDecimal()) : 0;
}
