namespace Bosun.Api;

/// <summary>
/// The kind of a validation failure, mirroring the error types of Kubernetes' field.Error so that
/// messages and Status cause reasons come out exactly as kube-apiserver words them.
/// </summary>
public enum FieldErrorType
{
    NotFound,
    Required,
    Duplicate,
    Invalid,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    Internal,
    TypeInvalid,
}
