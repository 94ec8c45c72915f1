using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Security.Encryption;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests.Security;

/// <summary><c>--secrets-encryption</c> over a real SQLite file: what the API serves versus what the datastore holds.</summary>
[Trait("Category", "Integration")]
public sealed class SecretsEncryptionTests
{
    private static V1Secret NewSecret(string name, string value) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes(value) },
    };

    /// <summary>Every byte of the SQLite database and its write-ahead log, read while the server has them open.</summary>
    private static byte[] RawDatabase(TestServer server)
    {
        using var all = new MemoryStream();
        foreach (var path in new[] { server.DatabasePath, server.DatabasePath + "-wal" }.Where(File.Exists))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            file.CopyTo(all);
        }
        return all.ToArray();
    }

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    [Fact]
    public async Task Secrets_AreStoredEncrypted_ConfigMapsStayPlain_AndTheApiServesPlaintext()
    {
        await using var server = await TestServer.StartAsync(secretsEncryption: true);
        var ns = await server.NewNamespaceAsync("enc");
        var secretValue = "s3cret-" + Guid.NewGuid().ToString("N");
        var configValue = "visible-" + Guid.NewGuid().ToString("N");
        await server.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("db", secretValue), ns);
        await server.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg" }, Data = new Dictionary<string, string> { ["v"] = configValue } }, ns);

        var read = await server.Client.CoreV1.ReadNamespacedSecretAsync("db", ns);
        Assert.Equal(secretValue, Encoding.UTF8.GetString(read.Data["password"]));
        var listed = await server.Client.CoreV1.ListNamespacedSecretAsync(ns);
        Assert.Contains(listed.Items, s => s.Metadata.Name == "db" && Encoding.UTF8.GetString(s.Data["password"]) == secretValue);

        var raw = RawDatabase(server);
        Assert.True(Contains(raw, configValue), "the scan finds a ConfigMap's plaintext, so it would find a Secret's");
        Assert.False(Contains(raw, secretValue));
        Assert.False(Contains(raw, Convert.ToBase64String(Encoding.UTF8.GetBytes(secretValue))));
        var stored = await server.Store.GetAsync($"/registry/secrets/{ns}/db", CancellationToken.None);
        Assert.StartsWith("k8s:enc:aesgcm:v1:key-", Encoding.ASCII.GetString(stored!.Value.Span[..22]));
    }

    [Fact]
    public async Task Watch_DeliversDecryptedSecrets()
    {
        await using var server = await TestServer.StartAsync(secretsEncryption: true);
        var ns = await server.NewNamespaceAsync("encw");
        var list = await server.Client.CoreV1.ListNamespacedSecretAsync(ns);
        using var resp = await server.Http.GetAsync(
            $"/api/v1/namespaces/{ns}/secrets?watch=true&resourceVersion={list.Metadata.ResourceVersion}", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync());
        await server.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("w", "watched-value"), ns);
        var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var data = JsonNode.Parse(line!)!["object"]!["data"]!["password"]!.GetValue<string>();
        Assert.Equal("watched-value", Encoding.UTF8.GetString(Convert.FromBase64String(data)));
    }

    [Fact]
    public async Task PlaintextSecretsFromBefore_StayReadable_AndAreEncryptedOnTheirNextWrite()
    {
        await using var server = await TestServer.StartAsync();
        var ns = await server.NewNamespaceAsync("old");
        await server.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("legacy", "old-plain-value"), ns);
        var key = $"/registry/secrets/{ns}/legacy";
        Assert.Contains("\"kind\":\"Secret\"", Encoding.UTF8.GetString((await server.Store.GetAsync(key, CancellationToken.None))!.Value.Span));

        await server.RestartAsync(server.Config with { SecretsEncryption = true });
        var read = await server.Client.CoreV1.ReadNamespacedSecretAsync("legacy", ns);
        Assert.Equal("old-plain-value", Encoding.UTF8.GetString(read.Data["password"]));

        read.Metadata.Labels = new Dictionary<string, string> { ["touched"] = "yes" };
        await server.Client.CoreV1.ReplaceNamespacedSecretAsync(read, "legacy", ns);
        var stored = (await server.Store.GetAsync(key, CancellationToken.None))!.Value;
        Assert.StartsWith("k8s:enc:aesgcm:v1:", Encoding.ASCII.GetString(stored.Span[..18]));
        Assert.Equal("old-plain-value", Encoding.UTF8.GetString((await server.Client.CoreV1.ReadNamespacedSecretAsync("legacy", ns)).Data["password"]));
    }

    [Fact]
    public async Task TamperedCiphertext_Gets500WithKubernetesTransformWording_AndTheServerKeepsServing()
    {
        await using var server = await TestServer.StartAsync(secretsEncryption: true);
        var ns = await server.NewNamespaceAsync("tamper");
        await server.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("t", "tamper-me"), ns);
        var key = $"/registry/secrets/{ns}/t";
        var stored = (await server.Store.GetAsync(key, CancellationToken.None))!;
        var bytes = stored.Value.ToArray();
        bytes[^1] ^= 0x01;
        Assert.True((await server.Store.UpdateAsync(key, bytes, stored.ModRevision, CancellationToken.None)).Succeeded);

        using var resp = await server.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets/t");
        var status = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.InternalServerError, resp.StatusCode);
        Assert.Equal($"Internal error occurred: unable to transform key \"{key}\": cipher: message authentication failed", status["message"]!.GetValue<string>());

        await server.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("fine", "still-works"), ns);
        Assert.Equal("still-works", Encoding.UTF8.GetString((await server.Client.CoreV1.ReadNamespacedSecretAsync("fine", ns)).Data["password"]));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task KeyFile_IsOwnerOnly()
    {
        await using var server = await TestServer.StartAsync(secretsEncryption: true);
        var path = SecretsKeyFile.PathIn(server.Config.StateDirectory);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
