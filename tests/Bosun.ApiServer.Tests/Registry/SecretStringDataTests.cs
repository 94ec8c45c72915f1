using System.Text;
using Bosun.Testing;
using k8s.Models;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class SecretStringDataTests
{
    [Fact]
    public async Task CreateSecret_WithStringData_StoresItInDataAndDropsStringData()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = CancellationToken.None;

        await cluster.Api.CreateAsync("default", new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s" },
            Data = new Dictionary<string, byte[]> { ["a"] = Encoding.UTF8.GetBytes("old"), ["b"] = Encoding.UTF8.GetBytes("kept") },
            StringData = new Dictionary<string, string> { ["a"] = "new" },
        }, ct);
        var secret = await cluster.Api.GetAsync<V1Secret>("default", "s", ct);

        Assert.Equal("new", Encoding.UTF8.GetString(secret.Data["a"]));
        Assert.Equal("kept", Encoding.UTF8.GetString(secret.Data["b"]));
        Assert.Null(secret.StringData);
    }
}
