namespace Bosun.Agent.Volumes;

/// <summary>The kubelet's plugin directory names under <c>pods/&lt;uid&gt;/volumes/</c>, so the layout reads like a kubelet's.</summary>
internal static class VolumePlugins
{
    public const string EmptyDir = "kubernetes.io~empty-dir";
    public const string ConfigMap = "kubernetes.io~configmap";
    public const string Secret = "kubernetes.io~secret";
    public const string DownwardApi = "kubernetes.io~downward-api";
    public const string Projected = "kubernetes.io~projected";
}
