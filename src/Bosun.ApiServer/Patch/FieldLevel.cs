namespace Bosun.ApiServer.Patch;

/// <summary>Where a field sits, for the fields ownership ignores: at the top, directly in metadata, or deeper.</summary>
internal enum FieldLevel
{
    Root,
    Metadata,
    Nested,
}
