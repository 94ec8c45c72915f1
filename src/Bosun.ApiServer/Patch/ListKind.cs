namespace Bosun.ApiServer.Patch;

/// <summary>How server-side apply treats a list (<c>x-kubernetes-list-type</c>): one value, keyed items, or a set.</summary>
internal enum ListKind
{
    Atomic,
    Map,
    Set,
}
