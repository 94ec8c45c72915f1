using System.CommandLine;
using Bosun.Agent.Images;

namespace Bosun.Server;

/// <summary>
/// <c>bosun image push FILE.tar REF</c>: pushes a docker-archive or OCI-layout tarball to a registry over the OCI
/// distribution API (<see cref="RegistryPusher"/>), so a private registry can be filled without Docker.
/// </summary>
internal static class ImagePushCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "docker-archive or OCI image-layout tarball (bosun image build -o)" };
        var reference = new Argument<string>("REF") { Description = "Where to push: HOST[:PORT]/NAME[:TAG]" };
        var insecure = new Option<bool>("--insecure") { Description = "Skip TLS verification, and use plain HTTP when the registry does not speak TLS" };
        var caFile = new Option<string>("--ca-file") { Description = "PEM CA certificate the registry's TLS certificate must chain to" };
        var username = new Option<string>("--username", "-u") { Description = "Registry user (HTTP basic auth)" };
        var password = new Option<string>("--password", "-p") { Description = "Registry password" };
        var push = new Command("push", "Push an image tarball to a registry.") { file, reference, insecure, caFile, username, password };
        push.SetAction(async (result, ct) =>
        {
            RegistryReference target;
            try
            {
                target = RegistryReference.Parse(result.GetValue(reference)!);
            }
            catch (FormatException e)
            {
                return await FailAsync(e.Message, 2);
            }
            var tarball = result.GetValue(file)!;
            if (!File.Exists(tarball)) return await FailAsync($"{tarball}: no such file", 2);
            var options = new RegistryConnectionOptions(result.GetValue(insecure), result.GetValue(caFile), result.GetValue(username), result.GetValue(password));
            if (options.CaFile is { } ca && !File.Exists(ca)) return await FailAsync($"--ca-file: {ca}: no such file", 2);
            if (options.Password is not null && options.Username is null) return await FailAsync("--password needs --username", 2);
            var work = Directory.CreateTempSubdirectory("bosun-push-");
            try
            {
                var image = ImageArchive.Read(tarball, work.FullName);
                using var http = RegistryConnection.CreateClient(options);
                var registry = await RegistryConnection.ResolveAsync(http, target.Host, options.Insecure, ct);
                var pusher = new RegistryPusher(http, registry, RegistryConnection.Basic(options), Console.WriteLine);
                var digest = await pusher.PushAsync(image, target.Repository, target.Tag, ct);
                Console.WriteLine($"{target.Tag}: digest: {digest} size: {image.Manifest.Length}");
                return 0;
            }
            catch (HttpRequestException e)
            {
                // "The SSL connection could not be established" says why only in the inner exception.
                return await FailAsync(e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message, 1);
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or RegistryException)
            {
                return await FailAsync(e.Message, 1);
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return push;
    }

    private static async Task<int> FailAsync(string message, int code)
    {
        await Console.Error.WriteLineAsync($"bosun image push: {message}");
        return code;
    }
}
