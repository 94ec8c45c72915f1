namespace Bosun.Api.Tests;

/// <summary>Name, key and value validators against Kubernetes' exact messages.</summary>
public sealed class ValidationTests
{
    internal const string SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    internal const string LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    internal const string Dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    internal const string NamePartMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    internal const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    [Theory]
    [InlineData("a")]
    [InlineData("example.com")]
    [InlineData("a-b.c-d.e")]
    [InlineData("0.1")]
    public void IsDns1123Subdomain_Valid_ReturnsNoErrors(string value)
    {
        Assert.Empty(Validation.IsDns1123Subdomain(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Foo_Bar")]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("UPPER")]
    [InlineData("a_b")]
    [InlineData("é")]
    public void IsDns1123Subdomain_BadCharacters_ReturnsRegexMessage(string value)
    {
        Assert.Equal([SubdomainMessage], Validation.IsDns1123Subdomain(value));
    }

    [Fact]
    public void IsDns1123Subdomain_253Chars_IsValid()
    {
        var value = string.Join(".", Enumerable.Repeat(new string('a', 63), 4))[..253];

        Assert.Empty(Validation.IsDns1123Subdomain(value));
    }

    [Fact]
    public void IsDns1123Subdomain_254Chars_ReturnsLengthMessage()
    {
        Assert.Equal(["must be no more than 253 characters"], Validation.IsDns1123Subdomain(new string('a', 254)));
    }

    [Theory]
    [InlineData(63, 0)]
    [InlineData(64, 1)]
    public void IsDns1123Label_Length_LimitIs63(int length, int errors)
    {
        var result = Validation.IsDns1123Label(new string('a', length));

        Assert.Equal(errors, result.Count);
        if (errors == 1)
        {
            Assert.Equal("must be no more than 63 characters", result[0]);
        }
    }

    [Theory]
    [InlineData("my-name", null)]
    [InlineData("123-abc", null)]
    [InlineData("a.b", "must not contain dots")]
    [InlineData("Abc", LabelMessage)]
    [InlineData("-abc", LabelMessage)]
    [InlineData("abc-", LabelMessage)]
    [InlineData("", LabelMessage)]
    [InlineData("a_b", LabelMessage)]
    public void IsDns1123Label_Value_ReturnsKubernetesMessage(string value, string? expected)
    {
        Assert.Equal(expected is null ? [] : [expected], Validation.IsDns1123Label(value));
    }

    [Theory]
    [InlineData("my-name", null)]
    [InlineData("abc-123", null)]
    [InlineData("1abc", Dns1035Message)]
    [InlineData("abc.d", Dns1035Message)]
    [InlineData("Abc", Dns1035Message)]
    [InlineData("abc-", Dns1035Message)]
    [InlineData("", Dns1035Message)]
    public void IsDns1035Label_Value_ReturnsKubernetesMessage(string value, string? expected)
    {
        Assert.Equal(expected is null ? [] : [expected], Validation.IsDns1035Label(value));
    }

    [Fact]
    public void IsDns1035Label_64Chars_ReturnsLengthMessage()
    {
        Assert.Equal(["must be no more than 63 characters"], Validation.IsDns1035Label(new string('a', 64)));
    }

    [Theory]
    [InlineData("app")]
    [InlineData("MyName")]
    [InlineData("my.name")]
    [InlineData("my_name")]
    [InlineData("123-abc")]
    [InlineData("example.com/MyName")]
    [InlineData("kubernetes.io/hostname")]
    [InlineData("a/b")]
    public void IsQualifiedName_Valid_ReturnsNoErrors(string value)
    {
        Assert.Empty(Validation.IsQualifiedName(value));
    }

    [Fact]
    public void IsQualifiedName_63CharName_IsValid()
    {
        Assert.Empty(Validation.IsQualifiedName("example.com/" + new string('a', 63)));
    }

    [Fact]
    public void IsQualifiedName_64CharName_ReturnsLengthMessage()
    {
        Assert.Equal(["name part must be no more than 63 characters"], Validation.IsQualifiedName(new string('a', 64)));
    }

    public static TheoryData<string, string[]> BadQualifiedNames => new()
    {
        { "", ["name part must be non-empty", NamePartMessage] },
        { "-app", [NamePartMessage] },
        { "app_", [NamePartMessage] },
        { "a b", [NamePartMessage] },
        { "example.com/", ["name part must be non-empty", NamePartMessage] },
        { "/name", ["prefix part must be non-empty"] },
        { "Example.com/name", ["prefix part " + SubdomainMessage] },
        { "example_com/-name", ["prefix part " + SubdomainMessage, NamePartMessage] },
        { new string('a', 254) + "/name", ["prefix part must be no more than 253 characters"] },
        {
            "a/b/c",
            ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        },
    };

    [Theory]
    [MemberData(nameof(BadQualifiedNames))]
    public void IsQualifiedName_Invalid_ReturnsKubernetesMessages(string value, string[] expected)
    {
        Assert.Equal(expected, Validation.IsQualifiedName(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("MyValue")]
    [InlineData("my_value")]
    [InlineData("12345")]
    [InlineData("a.b-c_d")]
    [InlineData("a")]
    public void IsValidLabelValue_Valid_ReturnsNoErrors(string value)
    {
        Assert.Empty(Validation.IsValidLabelValue(value));
    }

    [Theory]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData("_a")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("ü")]
    public void IsValidLabelValue_BadCharacters_ReturnsRegexMessage(string value)
    {
        Assert.Equal([LabelValueMessage], Validation.IsValidLabelValue(value));
    }

    [Theory]
    [InlineData(63, 0)]
    [InlineData(64, 1)]
    public void IsValidLabelValue_Length_LimitIs63(int length, int errors)
    {
        Assert.Equal(errors, Validation.IsValidLabelValue(new string('v', length)).Count);
    }

    [Fact]
    public void IsValidLabelValue_64BadChars_ReturnsBothMessages()
    {
        Assert.Equal(["must be no more than 63 characters", LabelValueMessage], Validation.IsValidLabelValue("-" + new string('v', 63)));
    }

    [Theory]
    [InlineData(262144, 0)]
    [InlineData(262145, 1)]
    public void ValidateAnnotationsSize_TotalBytes_LimitIs256KiB(int total, int errors)
    {
        var annotations = new Dictionary<string, string> { ["k"] = new string('x', total - 1) };

        var result = Validation.ValidateAnnotationsSize(annotations);

        Assert.Equal(errors, result.Count);
        if (errors == 1)
        {
            Assert.Equal("annotations size 262145 is larger than limit 262144", result[0]);
        }
    }

    [Fact]
    public void ValidateAnnotationsSize_MultiByteCharacters_CountsUtf8Bytes()
    {
        var annotations = new Dictionary<string, string> { ["k"] = new string('é', 131072) };

        Assert.Single(Validation.ValidateAnnotationsSize(annotations));
    }
}
