namespace Bosun.ApiServer.Registry.Defaulting;

/// <summary>
/// The default <c>imagePullPolicy</c> of a container: <c>Always</c> when the image's tag is <c>latest</c>, which
/// includes an image with neither tag nor digest (the reference parser fills in <c>latest</c>); otherwise
/// <c>IfNotPresent</c>, including digest-only references and references the parser rejects.
/// </summary>
internal static class ImagePullPolicy
{
    public static string For(string? image) => Tag(image ?? "") == "latest" ? "Always" : "IfNotPresent";

    /// <summary>The tag a reference resolves to: explicit, "latest" when there is neither tag nor digest, "" otherwise.</summary>
    internal static string Tag(string image)
    {
        if (image.Length == 0 || !IsWellFormed(image)) return "";
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        // A colon before the last slash belongs to a registry host:port, not to a tag.
        var lastSlash = name.LastIndexOf('/');
        var colon = name.IndexOf(':', lastSlash + 1);
        if (colon >= 0) return name[(colon + 1)..];
        return at >= 0 ? "" : "latest";
    }

    /// <summary>Repository paths must be lower case (a registry host may not); anything else fails normalization.</summary>
    private static bool IsWellFormed(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        var firstSlash = name.IndexOf('/');
        var path = name;
        if (firstSlash > 0)
        {
            var host = name[..firstSlash];
            // As in the reference grammar: the first component is a host when it has a dot or port, or is localhost.
            if (host.Contains('.') || host.Contains(':') || host == "localhost") path = name[(firstSlash + 1)..];
        }
        var lastSlash = path.LastIndexOf('/');
        var colon = path.IndexOf(':', lastSlash + 1);
        var repo = colon >= 0 ? path[..colon] : path;
        return repo.Length > 0 && repo.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-' or '/');
    }
}
