using System.CommandLine;
using Bosun.Agent.Images;

namespace Bosun.Server;

/// <summary>
/// <c>bosun image build</c>: makes a one-layer image (docker-archive tarball) from a root filesystem directory without
/// Docker, for the agent's images directory or <c>ctr images import</c>. <c>bosun image push</c>: uploads such a
/// tarball (or an OCI layout) to a registry.
/// </summary>
internal static class ImageCommand
{
    public static Command Create()
    {
        var rootfs = new Option<string>("--rootfs") { Description = "Directory holding the image's root filesystem", Required = true };
        var tag = new Option<string>("--tag") { Description = "Image name, NAME:TAG (e.g. localhost/web:1)", Required = true };
        var entrypoint = new Option<string[]>("--entrypoint") { Description = "ENTRYPOINT, one argument per occurrence", AllowMultipleArgumentsPerToken = true };
        var cmd = new Option<string[]>("--cmd") { Description = "CMD, one argument per occurrence", AllowMultipleArgumentsPerToken = true };
        var env = new Option<string[]>("--env") { Description = "Environment variable K=V (repeatable)" };
        var workdir = new Option<string>("--workdir") { Description = "Working directory" };
        var expose = new Option<string[]>("--expose") { Description = "Exposed port, e.g. 80/tcp (repeatable)" };
        var output = new Option<string>("--output", "-o") { Description = "Tarball to write", Required = true };
        var format = new Option<string>("--format") { Description = "docker-archive (docker save) or oci (OCI image layout)", DefaultValueFactory = _ => "docker-archive" };
        format.AcceptOnlyFromAmong("docker-archive", "oci");

        var build = new Command("build", "Build a one-layer image tarball (docker-archive) from a directory.")
        {
            rootfs, tag, entrypoint, cmd, env, workdir, expose, output, format,
        };
        build.SetAction(async (result, ct) =>
        {
            var problems = ImageBuildArguments.Check(result.GetValue(tag)!, result.GetValue(env) ?? [], result.GetValue(expose) ?? []);
            var dir = result.GetValue(rootfs)!;
            if (!Directory.Exists(dir)) problems.Add($"--rootfs: directory \"{dir}\" does not exist");
            if (problems.Count > 0)
            {
                foreach (var p in problems) await Console.Error.WriteLineAsync($"bosun image build: {p}");
                return 2;
            }
            var config = new ImageConfig
            {
                Entrypoint = NullIfEmpty(result.GetValue(entrypoint)),
                Cmd = NullIfEmpty(result.GetValue(cmd)),
                Env = result.GetValue(env) ?? [],
                WorkingDir = result.GetValue(workdir),
                ExposedPorts = (result.GetValue(expose) ?? []).Select(p => p.Contains('/') ? p : p + "/tcp").ToList(),
            };
            var file = Path.GetFullPath(result.GetValue(output)!);
            var temp = file + ".tmp";
            BuiltImage image;
            await using (var stream = File.Create(temp))
                image = result.GetValue(format) == "oci"
                    ? OciArchiveWriter.Write(Rootfs.FromDirectory(dir), result.GetValue(tag)!, config, stream)
                    : DockerArchiveWriter.Write(Rootfs.FromDirectory(dir), [result.GetValue(tag)!], config, stream);
            File.Move(temp, file, overwrite: true);
            Console.WriteLine($"{image.RepoTags[0]} {image.Id} -> {file}");
            return 0;
        });
        return new Command("image", "Work with container images.") { build, ImagePushCommand.Create() };
    }

    private static IReadOnlyList<string>? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;
}
