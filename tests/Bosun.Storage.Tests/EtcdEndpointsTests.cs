using Bosun.Storage.Etcd;

namespace Bosun.Storage.Tests;

public sealed class EtcdEndpointsTests
{
    [Fact]
    public void Parse_CommaSeparatedMembers_KeepsOrderAndGivesBareMembersTheFirstScheme()
    {
        var endpoints = EtcdEndpoints.Parse("https://10.0.0.1:2379, 10.0.0.2:2379,https://etcd-3:2379");

        Assert.Equal(["https://10.0.0.1:2379/", "https://10.0.0.2:2379/", "https://etcd-3:2379/"], endpoints.Select(u => u.ToString()));
    }

    [Theory]
    [InlineData("10.0.0.1:2379", "needs http:// or https://")]
    [InlineData("ftp://10.0.0.1:2379", "invalid etcd endpoint ftp://10.0.0.1:2379")]
    [InlineData("http://10.0.0.1:2379/v3", "invalid etcd endpoint http://10.0.0.1:2379/v3")]
    [InlineData(",", "no etcd endpoint given")]
    public void Parse_BadEndpoint_SaysWhichAndWhy(string value, string message)
    {
        var error = Assert.Throws<FormatException>(() => EtcdEndpoints.Parse(value));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void PrefixEnd_IncrementsLastByteLikeEtcdClients()
    {
        Assert.Equal("/registry0", EtcdKeys.PrefixEnd("/registry/").ToStringUtf8());
        Assert.Equal([0], EtcdKeys.PrefixEnd("").ToByteArray());
    }
}
