using Bosun.ApiServer.Tables;

namespace Bosun.ApiServer.Tests.Tables;

public sealed class TableNegotiationTests
{
    [Theory]
    [InlineData("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", true)]
    [InlineData("application/json; as=Table; g=meta.k8s.io; v=v1beta1", true)]
    [InlineData("application/json", false)]
    [InlineData("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", false)]
    [InlineData("application/yaml;as=Table;v=v1;g=meta.k8s.io", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void AcceptsTable_AcceptHeader_DetectsTableRanges(string? accept, bool expected)
    {
        Assert.Equal(expected, TableNegotiation.AcceptsTable(accept));
    }

    [Theory]
    [InlineData(null, "Metadata")]
    [InlineData("", "Metadata")]
    [InlineData("Metadata", "Metadata")]
    [InlineData("None", "None")]
    [InlineData("Object", "Object")]
    public void TryParseIncludeObject_KnownValue_Parses(string? value, string expected)
    {
        Assert.True(TableNegotiation.TryParseIncludeObject(value, out var policy));
        Assert.Equal(expected, policy.ToString());
    }

    [Fact]
    public void TryParseIncludeObject_UnknownValue_Fails()
    {
        Assert.False(TableNegotiation.TryParseIncludeObject("object", out _));
    }
}
