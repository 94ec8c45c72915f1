namespace Bosun.Agent.Images;

/// <summary>Docker's reference normalisation: <c>busybox:latest</c> → <c>docker.io/library/busybox:latest</c>.</summary>
internal static class ImageReference
{
    public static string Normalize(string reference)
    {
        var slash = reference.IndexOf('/');
        var first = slash < 0 ? "" : reference[..slash];
        var hasDomain = slash >= 0 && (first.Contains('.') || first.Contains(':') || first == "localhost");
        if (hasDomain) return reference;
        return slash < 0 ? $"docker.io/library/{reference}" : $"docker.io/{reference}";
    }

    /// <summary>The tag part (<c>v1</c> of <c>ikubernetes/myapp:v1</c>), or <c>latest</c>.</summary>
    public static string Tag(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? reference[(colon + 1)..] : "latest";
    }
}
