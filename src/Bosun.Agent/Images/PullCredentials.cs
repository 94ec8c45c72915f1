using Bosun.Cri.V1;

namespace Bosun.Agent.Images;

/// <summary>
/// Which credentials a CRI PullImage is tried with, in order (the kubelet's rule plus the node's registries.yaml):
/// every pod pull-secret credential matching the image; when none match, the node's <c>registries.yaml</c> auth for
/// the image's registry or, failing that, for one of its mirror endpoints; when there is none, one anonymous pull
/// (<c>null</c>). No server address is set, so containerd offers the credentials to whichever mirror serves the pull.
/// </summary>
internal static class PullCredentials
{
    public static IReadOnlyList<AuthConfig?> For(string image, RegistriesConfig registries, IEnumerable<DockerCredential> secretCredentials)
    {
        var fromSecrets = DockerConfigAuths.Matching(secretCredentials, image)
            .Select(c => (AuthConfig?)new AuthConfig { Username = c.Username, Password = c.Password })
            .ToList();
        if (fromSecrets.Count > 0) return fromSecrets;
        return [NodeAuth(image, registries)];
    }

    private static AuthConfig? NodeAuth(string image, RegistriesConfig registries)
    {
        var host = RegistryHost(image);
        var candidates = new List<string> { host };
        foreach (var key in new[] { host, "*" })
            if (registries.Mirrors.TryGetValue(key, out var mirror))
                candidates.AddRange(mirror.Endpoints.Select(e => new Uri(e).Authority));
        foreach (var h in candidates)
        {
            if (registries.AuthFor(h) is not { } auth) continue;
            var config = new AuthConfig
            {
                Username = auth.Username ?? "",
                Password = auth.Password ?? "",
                Auth = auth.AuthString ?? "",
                IdentityToken = auth.IdentityToken ?? "",
            };
            return config;
        }
        return null;
    }

    /// <summary><c>myreg.local/app:v1</c> → <c>myreg.local</c>; short names are docker.io's.</summary>
    internal static string RegistryHost(string image)
    {
        var normalized = ImageReference.Normalize(image.Split('@')[0]);
        return normalized[..normalized.IndexOf('/')];
    }
}
