using System.Diagnostics;
using Bosun.Client;
using Bosun.Cri.V1;
using Grpc.Core;
using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>A container's image is not available (ErrImagePull, ImagePullBackOff, ErrImageNeverPull).</summary>
internal sealed class ImagePullException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}

/// <summary>
/// Makes a container's image present per imagePullPolicy (kubelet's image manager): Always pulls, IfNotPresent
/// pulls when missing, Never fails when missing. Failed pulls back off per pod and image (10 s doubling to 5 min).
/// Returns the image id (config digest) the container is created from. Each credential from <paramref name="auth"/>
/// is tried in turn (pull secrets, then the node's registries.yaml); the last failure is reported.
/// </summary>
internal sealed class ImagePuller(ImageService.ImageServiceClient images, RestartBackoff backoff, TimeProvider time, EventRecorder? events,
    PullAuthSource? auth = null)
{
    public async Task<string> EnsureAsync(V1Pod pod, V1Container c, CancellationToken ct)
    {
        var image = c.Image;
        var policy = c.ImagePullPolicy ?? DefaultPolicy(image);
        if (policy != "Always")
        {
            var present = await images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = image } }, cancellationToken: ct);
            if (present.Image is { } img)
            {
                events?.Record(pod, EventRecorder.Normal, "Pulled", $"Container image \"{image}\" already present on machine");
                return img.Id;
            }
            if (policy == "Never")
            {
                var msg = $"Container image \"{image}\" is not present with pull policy of Never";
                events?.Record(pod, EventRecorder.Warning, "ErrImageNeverPull", msg);
                throw new ImagePullException("ErrImageNeverPull", msg);
            }
        }
        var key = $"{pod.Metadata.Uid}/{image}";
        var now = time.GetUtcNow().UtcDateTime;
        if (backoff.IsInBackOffSinceUpdate(key, now))
        {
            events?.Record(pod, EventRecorder.Normal, "BackOff", $"Back-off pulling image \"{image}\"");
            throw new ImagePullException("ImagePullBackOff", $"Back-off pulling image \"{image}\"");
        }
        events?.Record(pod, EventRecorder.Normal, "Pulling", $"Pulling image \"{image}\"");
        var watch = Stopwatch.StartNew();
        try
        {
            var pulled = await PullAsync(pod, image, ct);
            var took = watch.Elapsed.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            events?.Record(pod, EventRecorder.Normal, "Pulled", $"Successfully pulled image \"{image}\" in {took}s ({took}s including waiting)");
            var status = await images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = image } }, cancellationToken: ct);
            return status.Image?.Id ?? pulled.ImageRef;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            backoff.Next(key, now, now);
            var msg = $"Failed to pull image \"{image}\": {e.Status.Detail}";
            events?.Record(pod, EventRecorder.Warning, "Failed", msg);
            events?.Record(pod, EventRecorder.Warning, "Failed", "Error: ErrImagePull");
            throw new ImagePullException("ErrImagePull", msg);
        }
    }

    private async Task<PullImageResponse> PullAsync(V1Pod pod, string image, CancellationToken ct)
    {
        var credentials = auth is null ? [null] : await auth.ForAsync(pod, image, ct);
        for (var i = 0; ; i++)
        {
            var request = new PullImageRequest { Image = new ImageSpec { Image = image } };
            if (credentials[i] is { } a) request.Auth = a;
            try
            {
                return await images.PullImageAsync(request, cancellationToken: ct);
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled && i < credentials.Count - 1)
            {
                // The next pull secret may be the one this registry accepts.
            }
        }
    }

    /// <summary>The API server defaults this; kept for pods that reach us without it (static pods).</summary>
    internal static string DefaultPolicy(string image)
    {
        var name = image.Split('@')[0];
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        var tag = colon > slash ? name[(colon + 1)..] : "latest";
        return tag == "latest" && !image.Contains('@') ? "Always" : "IfNotPresent";
    }
}
