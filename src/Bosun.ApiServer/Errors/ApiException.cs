using Bosun.Api;

namespace Bosun.ApiServer.Errors;

/// <summary>One cause of an error, as in <c>metav1.StatusCause</c>.</summary>
internal sealed record StatusCause(string Reason, string Message, string? Field);

/// <summary>
/// A request failure that becomes a Kubernetes <c>Status</c> body. Thrown anywhere on the request path and
/// translated once, by <see cref="Http.ErrorHandling"/>. Messages follow kube-apiserver's wording.
/// </summary>
internal sealed class ApiException(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public string? DetailsName { get; init; }
    public string? DetailsGroup { get; init; }
    public string? DetailsKind { get; init; }
    public string? DetailsUid { get; init; }
    public IReadOnlyList<StatusCause> Causes { get; init; } = [];
    public int? RetryAfterSeconds { get; init; }

    /// <summary><c>pods</c> or <c>deployments.apps</c>: how Kubernetes names a resource in messages.</summary>
    public static string Qualified(string group, string resource) => group.Length == 0 ? resource : $"{resource}.{group}";

    public static ApiException NotFound(string group, string resource, string name) =>
        new(404, "NotFound", $"{Qualified(group, resource)} \"{name}\" not found")
        { DetailsName = name, DetailsGroup = group, DetailsKind = resource };

    public static ApiException AlreadyExists(string group, string resource, string name) =>
        new(409, "AlreadyExists", $"{Qualified(group, resource)} \"{name}\" already exists")
        { DetailsName = name, DetailsGroup = group, DetailsKind = resource };

    public static ApiException Conflict(string group, string resource, string name, string why =
        "the object has been modified; please apply your changes to the latest version and try again") =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(group, resource)} \"{name}\": {why}")
        { DetailsName = name, DetailsGroup = group, DetailsKind = resource };

    /// <summary>
    /// 422, in <c>errors.NewInvalid</c>'s format: the group-qualified kind (<c>Deployment.apps</c>), one error inline,
    /// several in brackets.
    /// </summary>
    public static ApiException Invalid(string group, string kind, string name, IReadOnlyList<FieldError> errors) =>
        new(422, "Invalid", $"{Qualified(group, kind)} \"{name}\" is invalid: {FieldError.Join(errors)}")
        {
            DetailsName = name,
            DetailsGroup = group,
            DetailsKind = kind,
            Causes = errors.Select(e => new StatusCause(e.Reason, e.Body, e.Field)).ToList(),
        };

    /// <summary>A query option kube-apiserver rejects in ValidateCreateOptions and friends: <c>CreateOptions.meta.k8s.io "" is invalid: …</c>.</summary>
    public static ApiException InvalidOptions(string optionsKind, FieldError error) => Invalid("meta.k8s.io", optionsKind, "", [error]);

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotAllowed(string verb, string resource) =>
        new(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");

    public static ApiException NotAcceptable(string message) => new(406, "NotAcceptable", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json")
        { DetailsKind = contentType };

    public static ApiException TooLarge() =>
        new(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");

    /// <summary>storage.NewTooLargeResourceVersionError: a read asked for a revision the store has not reached.</summary>
    public static ApiException TooLargeResourceVersion(long requested, long current) =>
        new(504, "Timeout", $"Timeout: Too large resource version: {requested}, current: {current}")
        {
            RetryAfterSeconds = 1,
            Causes = [new StatusCause("ResourceVersionTooLarge", "Too large resource version", null)],
        };

    public static ApiException Expired(string message) => new(410, "Expired", message);

    public static ApiException Gone(string message) => new(410, "Gone", message);

    public static ApiException Forbidden(string message) => new(403, "Forbidden", message);

    /// <summary>403 in <c>errors.NewForbidden</c>'s format: <c>pods "x" is forbidden: why</c>.</summary>
    public static ApiException Forbidden(string group, string resource, string name, string why) =>
        new(403, "Forbidden", name.Length == 0
            ? $"{Qualified(group, resource)} is forbidden: {why}"
            : $"{Qualified(group, resource)} \"{name}\" is forbidden: {why}")
        { DetailsName = name, DetailsGroup = group, DetailsKind = resource };

    public static ApiException ServiceUnavailable(string message) => new(503, "ServiceUnavailable", message);

    public static ApiException Internal(string message) => new(500, "InternalError", message);
}
