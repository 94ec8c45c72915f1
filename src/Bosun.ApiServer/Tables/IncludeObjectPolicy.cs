namespace Bosun.ApiServer.Tables;

/// <summary>The <c>includeObject</c> query parameter of a Table request: what each row's <c>object</c> carries.</summary>
internal enum IncludeObjectPolicy
{
    /// <summary>No object; the row has cells only.</summary>
    None,

    /// <summary>The default: a PartialObjectMetadata with the full metadata, from which kubectl derives NAMESPACE and label columns.</summary>
    Metadata,

    /// <summary>The full object, which kubectl asks for with <c>--sort-by</c>.</summary>
    Object,
}
