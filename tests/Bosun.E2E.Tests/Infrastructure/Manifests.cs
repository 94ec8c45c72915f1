namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>YAML fed to <c>kubectl create -f -</c>; the seed's pod-demo.yaml lives in <c>testdata/</c>.</summary>
internal static class Manifests
{
    public static string PodDemoPath => Path.Combine(AppContext.BaseDirectory, "testdata", "pod-demo.yaml");

    /// <summary>The seed's pod-demo.yaml with another namespace, name and optionally extra labels.</summary>
    public static string PodDemo(string ns, string name = "pod-demo", IReadOnlyDictionary<string, string>? extraLabels = null)
    {
        var yaml = File.ReadAllText(PodDemoPath)
            .Replace("  name: pod-demo\n", $"  name: {name}\n")
            .Replace("  namespace: default\n", $"  namespace: {ns}\n");
        if (extraLabels is not null)
        {
            var extra = string.Concat(extraLabels.Select(kv => $"    {kv.Key}: {kv.Value}\n"));
            yaml = yaml.Replace("    tier: frontend\n", "    tier: frontend\n" + extra);
        }
        return yaml;
    }

    /// <summary>
    /// A Namespace manifest, for <c>create -f</c> (optionally with a finalizer); <c>kubectl create namespace</c> itself is
    /// covered by ImperativeCreateTests.
    /// </summary>
    public static string Namespace(string name, string? finalizer = null) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {name}
          finalizers: [{finalizer}]
        """;

    public static string Pod(string ns, string name, IReadOnlyDictionary<string, string> labels) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: {ns}
          labels:
        {string.Concat(labels.Select(kv => $"    {kv.Key}: {kv.Value}\n"))}spec:
          containers:
          - name: main
            image: busybox:latest
        """;

    public static string Event(string ns, string name, string podName, string podUid = "") => $"""
        apiVersion: v1
        kind: Event
        metadata:
          name: {name}
          namespace: {ns}
        involvedObject:
          apiVersion: v1
          kind: Pod
          name: {podName}
          namespace: {ns}
          uid: "{podUid}"
        reason: Scheduled
        message: Successfully assigned {ns}/{podName} to node-e2e
        type: Normal
        source:
          component: default-scheduler
        """;

    public static string ConfigMap(string ns, string name, string value) => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {name}
          namespace: {ns}
        data:
          key: {value}
        """;
}
