namespace Bosun.Agent.Images;

/// <summary>A reference with its registry spelled out (<c>127.0.0.1:5000/team/app:v1</c>), as pushing needs it.</summary>
internal sealed record RegistryReference(string Host, string Repository, string Tag)
{
    /// <summary>Parses REF; throws <see cref="FormatException"/> with the reason (no registry host, bad name or tag).</summary>
    public static RegistryReference Parse(string reference)
    {
        if (reference.Contains('@')) throw new FormatException($"\"{reference}\": push by digest is not supported, give a tag");
        var slash = reference.IndexOf('/');
        var host = slash < 0 ? "" : reference[..slash];
        if (host.Length == 0 || !(host.Contains('.') || host.Contains(':') || host == "localhost"))
            throw new FormatException($"\"{reference}\" names no registry host: write HOST[:PORT]/NAME[:TAG]");
        var rest = reference[(slash + 1)..];
        var colon = rest.LastIndexOf(':');
        var (repository, tag) = colon > rest.LastIndexOf('/') ? (rest[..colon], rest[(colon + 1)..]) : (rest, "latest");
        if (repository.Length == 0 || !repository.Split('/').All(IsPathComponent))
            throw new FormatException($"\"{reference}\": repository name must be lowercase letters, digits and separators (. _ __ -)");
        if (tag.Length is 0 or > 128 || !(char.IsAsciiLetterOrDigit(tag[0]) || tag[0] == '_') || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            throw new FormatException($"\"{reference}\": invalid tag \"{tag}\"");
        return new RegistryReference(host, repository, tag);
    }

    private static bool IsPathComponent(string part) =>
        part.Length > 0 && (char.IsAsciiLetterLower(part[0]) || char.IsAsciiDigit(part[0])) && char.IsAsciiLetterOrDigit(part[^1])
        && part.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');

    public override string ToString() => $"{Host}/{Repository}:{Tag}";
}
