using System.Collections.Concurrent;
using k8s.Models;

namespace Bosun.Agent.Volumes;

/// <summary>
/// Keeps each pod's service-account tokens and asks for a new one when 80% of its lifetime has passed (or after
/// 24 hours), as the kubelet's token manager does, so a resync does not rewrite the token file every time.
/// </summary>
internal sealed class TokenCache(ITokenSource source, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Uid, string? Audience, long Seconds), (string Token, DateTimeOffset RefreshAt)> tokens = new();

    public async Task<string> GetAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken ct)
    {
        var key = (pod.Metadata.Uid, audience, expirationSeconds);
        var now = time.GetUtcNow();
        if (tokens.TryGetValue(key, out var cached) && now < cached.RefreshAt) return cached.Token;
        var token = await source.GetTokenAsync(pod, audience, expirationSeconds, ct);
        var lifetime = TimeSpan.FromSeconds(Math.Min(expirationSeconds * 0.8, TimeSpan.FromHours(24).TotalSeconds));
        tokens[key] = (token, now + lifetime);
        return token;
    }

    public void Forget(string uid)
    {
        foreach (var key in tokens.Keys.Where(k => k.Uid == uid).ToList()) tokens.TryRemove(key, out _);
    }
}
