namespace Bosun.Agent.Images;

/// <summary>The runtime part of an image config (the <c>config</c> object of the Docker/OCI image JSON).</summary>
internal sealed record ImageConfig
{
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <value><c>PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin</c> when empty.</value>
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? WorkingDir { get; init; }

    /// <summary>Exposed ports such as <c>80/tcp</c>.</summary>
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];

    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}
