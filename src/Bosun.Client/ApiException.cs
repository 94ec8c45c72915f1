using System.Net;
using k8s.Models;

namespace Bosun.Client;

/// <summary>
/// A failed API call, carrying the server's <c>Status</c>. Callers test <see cref="Code"/> or <see cref="Reason"/>:
/// <c>catch (ApiException e) when (e.Code == 409)</c>.
/// </summary>
public sealed class ApiException(int code, string reason, string message, V1Status? status = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public V1Status? Status { get; } = status;

    public bool IsNotFound => Code == (int)HttpStatusCode.NotFound;
    public bool IsConflict => Code == (int)HttpStatusCode.Conflict && Reason == "Conflict";
    public bool IsAlreadyExists => Code == (int)HttpStatusCode.Conflict && Reason == "AlreadyExists";
    public bool IsGone => Code == (int)HttpStatusCode.Gone;
}
