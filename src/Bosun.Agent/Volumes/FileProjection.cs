namespace Bosun.Agent.Volumes;

/// <summary>One file of a projected volume (configMap, secret, downwardAPI, projected): its bytes and permission bits.</summary>
internal sealed record FileProjection(byte[] Data, UnixFileMode Mode)
{
    public bool SameAs(FileProjection other) => Mode == other.Mode && Data.AsSpan().SequenceEqual(other.Data);
}
