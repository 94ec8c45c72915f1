using System.Security.Cryptography;
using System.Text;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Security.Encryption;

namespace Bosun.ApiServer.Tests.Security.Encryption;

public sealed class AesGcmTransformerTests
{
    private const string Key = "/registry/secrets/default/db";
    private static readonly SecretsKey First = new("key-1", RandomNumberGenerator.GetBytes(32));
    private static readonly SecretsKey Second = new("key-2", RandomNumberGenerator.GetBytes(32));
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes("""{"kind":"Secret","data":{"p":"aHVudGVyMg=="}}""");

    [Fact]
    public void Encrypt_PrefixesTheKeyName_AndDecryptsBack()
    {
        var transformer = new AesGcmTransformer([First]);

        var sealedValue = transformer.Encrypt(Key, Plain);

        Assert.StartsWith("k8s:enc:aesgcm:v1:key-1:", Encoding.ASCII.GetString(sealedValue));
        Assert.Equal(-1, sealedValue.AsSpan().IndexOf("aHVudGVyMg=="u8));
        Assert.Equal(Plain, transformer.Decrypt(Key, sealedValue).ToArray());
    }

    [Fact]
    public void Encrypt_TwiceTheSameValue_UsesAFreshNonce()
    {
        var transformer = new AesGcmTransformer([First]);
        Assert.NotEqual(transformer.Encrypt(Key, Plain), transformer.Encrypt(Key, Plain));
    }

    [Fact]
    public void Decrypt_PlaintextFromBeforeEncryption_ComesBackUnchanged()
    {
        var transformer = new AesGcmTransformer([First]);
        Assert.Equal(Plain, transformer.Decrypt(Key, Plain).ToArray());
    }

    [Fact]
    public void Decrypt_WithAnOlderKeyStillListed_Works_AndNewWritesUseTheFirstKey()
    {
        var old = new AesGcmTransformer([First]).Encrypt(Key, Plain);
        var rotated = new AesGcmTransformer([Second, First]);

        Assert.Equal(Plain, rotated.Decrypt(Key, old).ToArray());
        Assert.StartsWith("k8s:enc:aesgcm:v1:key-2:", Encoding.ASCII.GetString(rotated.Encrypt(Key, Plain)));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("other-key")]
    [InlineData("moved")]
    [InlineData("unknown-provider")]
    public void Decrypt_TamperedOrForeignValue_ThrowsA500WithKubernetesWording(string damage)
    {
        var transformer = new AesGcmTransformer([First]);
        var value = transformer.Encrypt(Key, Plain);
        var key = Key;
        switch (damage)
        {
            case "flip": value[^5] ^= 0x40; break;
            case "truncate": value = value[..30]; break;
            case "other-key": value = new AesGcmTransformer([Second with { Name = "key-1" }]).Encrypt(Key, Plain); break;
            case "moved": key = "/registry/secrets/default/other"; break;
            case "unknown-provider": value = Encoding.ASCII.GetBytes("k8s:enc:kms:v2:x:abc"); break;
        }

        var e = Assert.Throws<ApiException>(() => transformer.Decrypt(key, value));

        Assert.Equal(500, e.Code);
        Assert.StartsWith($"Internal error occurred: unable to transform key \"{key}\": ", e.Message);
    }

    [Fact]
    public void Decrypt_ValueNamingAKeyNotInTheFile_SaysWhichKey()
    {
        var value = new AesGcmTransformer([Second]).Encrypt(Key, Plain);
        var e = Assert.Throws<ApiException>(() => new AesGcmTransformer([First]).Decrypt(Key, value));
        Assert.Contains("\"key-2\"", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("key-1")]
    [InlineData("key-1:c2hvcnQ=")]
    [InlineData("bad name:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("key-1:!!!")]
    public void KeyFile_Malformed_IsAFormatErrorNamingTheFile(string text)
    {
        var e = Assert.Throws<FormatException>(() => SecretsKeyFile.Parse(text, "/x/secrets-encryption.key"));
        Assert.StartsWith("/x/secrets-encryption.key", e.Message);
    }

    [Fact]
    public void KeyFile_RoundTrips()
    {
        var parsed = SecretsKeyFile.Parse(SecretsKeyFile.Format(First) + SecretsKeyFile.Format(Second), "f");
        Assert.Equal(["key-1", "key-2"], parsed.Select(k => k.Name));
        Assert.Equal(First.Material, parsed[0].Material);
    }
}
