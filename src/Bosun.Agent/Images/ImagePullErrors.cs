using Grpc.Core;

namespace Bosun.Agent.Images;

/// <summary>Why an image could not be pulled, as the kubelet reports it in a container's waiting state and events.</summary>
internal enum ImagePullFailureKind { NotFound, Unreachable, Unauthorized, InvalidName, Other }

/// <summary>
/// A failed pull: <see cref="Reason"/> is the container's waiting reason (<c>ErrImagePull</c>, or
/// <c>InvalidImageName</c>, which is not retried) and <see cref="Message"/> the kubelet's text.
/// </summary>
internal sealed record ImagePullFailure(string Reason, string Message, ImagePullFailureKind Kind);

/// <summary>
/// Turns CRI PullImage errors into the kubelet's ErrImagePull messages. containerd reports nearly every failure as
/// gRPC Unknown with free text (cri-containerd.md §12), so the kind comes from the text.
/// </summary>
internal static class ImagePullErrors
{
    public const string ErrImagePull = "ErrImagePull";
    public const string ImagePullBackOff = "ImagePullBackOff";
    public const string InvalidImageName = "InvalidImageName";
    public const string ErrImageNeverPull = "ErrImageNeverPull";

    public static ImagePullFailure Classify(string image, RpcException error) =>
        Classify(image, error.StatusCode, error.Status.Detail);

    /// <summary>As the kubelet: <c>Failed to pull image "x": rpc error: code = … desc = …</c>.</summary>
    public static ImagePullFailure Classify(string image, StatusCode code, string detail)
    {
        var kind = KindOf(code, detail);
        var message = $"Failed to pull image \"{image}\": rpc error: code = {code} desc = {detail}";
        return kind == ImagePullFailureKind.InvalidName
            ? new ImagePullFailure(InvalidImageName, $"Failed to apply default image tag \"{image}\": {detail}", kind)
            : new ImagePullFailure(ErrImagePull, message, kind);
    }

    /// <summary>The waiting message while backing off, as the kubelet's.</summary>
    public static string BackOffMessage(string image) => $"Back-off pulling image \"{image}\"";

    /// <summary>imagePullPolicy Never and the image is absent.</summary>
    public static string NeverPullMessage(string image) =>
        $"Container image \"{image}\" is not present with pull policy of Never";

    internal static ImagePullFailureKind KindOf(StatusCode code, string detail)
    {
        var d = detail.ToLowerInvariant();
        if (d.Contains("invalid reference format") || d.Contains("repository name must be") || d.Contains("couldn't parse image"))
            return ImagePullFailureKind.InvalidName;
        if (code == StatusCode.NotFound || d.EndsWith(": not found") || d.Contains(": not found:") || d.Contains("manifest unknown"))
            return ImagePullFailureKind.NotFound;
        if (code is StatusCode.Unauthenticated or StatusCode.PermissionDenied
            || d.Contains("401 unauthorized") || d.Contains("403 forbidden") || d.Contains("authorization failed") || d.Contains("pull access denied"))
            return ImagePullFailureKind.Unauthorized;
        if (code is StatusCode.Unavailable or StatusCode.DeadlineExceeded
            || d.Contains("no such host") || d.Contains("connection refused") || d.Contains("i/o timeout")
            || d.Contains("network is unreachable") || d.Contains("tls handshake timeout") || d.Contains("server misbehaving"))
            return ImagePullFailureKind.Unreachable;
        return ImagePullFailureKind.Other;
    }
}
