namespace Bosun.Storage.Memory;

/// <summary>Every retained version of one key, oldest first, so reads at an older revision can be answered.</summary>
internal sealed class KeyHistory
{
    private readonly List<KeyVersion> _versions = [];

    public bool IsEmpty => _versions.Count == 0;

    /// <summary>The latest version, live or tombstone; null when nothing is retained.</summary>
    public KeyValue? Latest => _versions.Count == 0 ? null : _versions[^1].Value;

    public void Add(KeyVersion version) => _versions.Add(version);

    /// <summary>The value as of <paramref name="revision"/>, or null when the key did not exist then.</summary>
    public KeyValue? At(long revision)
    {
        for (var i = _versions.Count - 1; i >= 0; i--)
        {
            if (_versions[i].Revision <= revision)
                return _versions[i].Value;
        }
        return null;
    }

    /// <summary>Drops versions superseded at or below <paramref name="revision"/>, and a tombstone that is then the oldest.</summary>
    public void Compact(long revision)
    {
        var newestAtOrBelow = _versions.FindLastIndex(v => v.Revision <= revision);
        if (newestAtOrBelow < 0)
            return;
        var removeCount = _versions[newestAtOrBelow].Value is null ? newestAtOrBelow + 1 : newestAtOrBelow;
        _versions.RemoveRange(0, removeCount);
    }
}
