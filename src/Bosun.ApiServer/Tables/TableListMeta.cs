namespace Bosun.ApiServer.Tables;

/// <summary>The list metadata of a Table: for a list its resourceVersion/continue/remainingItemCount, for one object its resourceVersion.</summary>
internal readonly record struct TableListMeta(string? ResourceVersion, string? Continue = null, long? RemainingItemCount = null);
