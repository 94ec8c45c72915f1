using System.Globalization;

namespace Bosun.Storage.Etcd;

/// <summary>What an etcd member's version means for Bosun's writes.</summary>
public static class EtcdVersion
{
    /// <summary>
    /// True for etcd 3.4: every transaction's apply copies the backend's whole buffer of uncommitted writes
    /// (mvcc/backend ConcurrentReadTx, new in 3.4), so a create or update costs etcd several times a put. 3.5 reads the
    /// shared buffer instead (etcd PR #12896). False for anything else or anything it cannot parse.
    /// </summary>
    public static bool CopiesWriteBufferPerTransaction(string version)
    {
        var parts = version.Split('.');
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            && major == 3 && minor == 4;
    }
}
