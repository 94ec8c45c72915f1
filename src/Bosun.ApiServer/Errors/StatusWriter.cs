using System.Text.Json;

namespace Bosun.ApiServer.Errors;

/// <summary>Writes <c>metav1.Status</c> objects: failures from <see cref="ApiException"/> and delete successes.</summary>
internal static class StatusWriter
{
    public static byte[] Failure(ApiException e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.WriterOptions))
        {
            WriteFailure(w, e);
        }
        return buffer.ToArray();
    }

    public static void WriteFailure(Utf8JsonWriter w, ApiException e)
    {
        w.WriteStartObject();
        w.WriteString("kind", "Status");
        w.WriteString("apiVersion", "v1");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteString("status", "Failure");
        w.WriteString("message", e.Message);
        w.WriteString("reason", e.Reason);
        if (e.DetailsName is not null || e.DetailsKind is not null || e.Causes.Count > 0 || e.RetryAfterSeconds is not null)
        {
            w.WriteStartObject("details");
            if (e.DetailsName is not null) w.WriteString("name", e.DetailsName);
            if (!string.IsNullOrEmpty(e.DetailsGroup)) w.WriteString("group", e.DetailsGroup);
            if (e.DetailsKind is not null) w.WriteString("kind", e.DetailsKind);
            if (e.DetailsUid is not null) w.WriteString("uid", e.DetailsUid);
            if (e.Causes.Count > 0)
            {
                w.WriteStartArray("causes");
                foreach (var c in e.Causes)
                {
                    w.WriteStartObject();
                    w.WriteString("reason", c.Reason);
                    w.WriteString("message", c.Message);
                    if (c.Field is not null) w.WriteString("field", c.Field);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (e.RetryAfterSeconds is { } retry) w.WriteNumber("retryAfterSeconds", retry);
            w.WriteEndObject();
        }
        w.WriteNumber("code", e.Code);
        w.WriteEndObject();
    }

    /// <summary>The body kube-apiserver returns for a completed delete of kinds that do not return the object.</summary>
    public static byte[] DeleteSuccess(string group, string resource, string name, string? uid)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", "Status");
            w.WriteString("apiVersion", "v1");
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteString("status", "Success");
            w.WriteStartObject("details");
            w.WriteString("name", name);
            if (group.Length > 0) w.WriteString("group", group);
            w.WriteString("kind", resource);
            if (uid is not null) w.WriteString("uid", uid);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
