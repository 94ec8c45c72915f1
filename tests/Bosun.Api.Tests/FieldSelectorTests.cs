namespace Bosun.Api.Tests;

/// <summary>Field selector parsing, escaping, matching and the unsupported-field errors.</summary>
public sealed class FieldSelectorTests
{
    private static readonly Dictionary<string, string> Pod = new()
    {
        ["metadata.name"] = "web-1",
        ["metadata.namespace"] = "default",
        ["spec.nodeName"] = "",
        ["status.phase"] = "Running",
        ["metadata.annotations.odd"] = "a,b=c\\d",
    };

    [Theory]
    [InlineData("metadata.name=web-1", true)]
    [InlineData("metadata.name==web-1", true)]
    [InlineData("metadata.name!=web-1", false)]
    [InlineData("metadata.name=web-2", false)]
    [InlineData("metadata.name=web-1,status.phase=Running", true)]
    [InlineData("metadata.name=web-1,status.phase!=Running", false)]
    [InlineData("spec.nodeName=", true)]
    [InlineData("spec.nodeName!=", false)]
    [InlineData("spec.missing=", true)]
    [InlineData("spec.missing!=", false)]
    [InlineData("spec.missing!=x", true)]
    [InlineData("metadata.annotations.odd=a\\,b\\=c\\\\d", true)]
    [InlineData("metadata.name=web-1,", true)]
    [InlineData(",,metadata.name=web-1", true)]
    [InlineData("", true)]
    public void Parse_SelectorForm_MatchesLikeKubernetes(string selector, bool expected)
    {
        var parsed = FieldSelector.Parse(selector);

        Assert.Equal(expected, parsed.Matches(Pod));
        Assert.Equal(expected, parsed.Matches(f => Pod.GetValueOrDefault(f)));
    }

    [Theory]
    [InlineData("a=b", "a", FieldSelectorOperator.Equals, "b")]
    [InlineData("a==b", "a", FieldSelectorOperator.DoubleEquals, "b")]
    [InlineData("a!=b", "a", FieldSelectorOperator.NotEquals, "b")]
    [InlineData("a=", "a", FieldSelectorOperator.Equals, "")]
    [InlineData("a!=", "a", FieldSelectorOperator.NotEquals, "")]
    [InlineData("a=!b", "a", FieldSelectorOperator.Equals, "!b")]
    [InlineData("a=x\\,y", "a", FieldSelectorOperator.Equals, "x,y")]
    [InlineData("a=x\\=y", "a", FieldSelectorOperator.Equals, "x=y")]
    [InlineData("a=x\\\\y", "a", FieldSelectorOperator.Equals, "x\\y")]
    [InlineData(" a = b ", " a ", FieldSelectorOperator.Equals, " b ")]
    [InlineData("=b", "", FieldSelectorOperator.Equals, "b")]
    public void Parse_SingleTerm_ExposesRequirement(string selector, string field, FieldSelectorOperator op, string value)
    {
        var requirement = Assert.Single(FieldSelector.Parse(selector).Requirements);

        Assert.Equal(new FieldRequirement(field, op, value), requirement);
    }

    [Theory]
    [InlineData("a=x\\,y,b!=", "a=x\\,y,b!=")]
    [InlineData("b=2,a=1", "a=1,b=2")]
    [InlineData("a==1", "a=1")]
    [InlineData("a=x\\=y\\\\", "a=x\\=y\\\\")]
    [InlineData("", "")]
    public void ToString_ParsedSelector_IsCanonical(string selector, string expected)
    {
        Assert.Equal(expected, FieldSelector.Parse(selector).ToString());
    }

    [Theory]
    [InlineData("a", "invalid selector: 'a'; can't understand 'a'")]
    [InlineData("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'")]
    [InlineData("a=b\\", "invalid field selector: invalid escape sequence: \\")]
    [InlineData("a=b\\x", "invalid field selector: invalid escape sequence: \\x")]
    [InlineData("a=b=c", "invalid field selector: unescaped character in value: 61")]
    [InlineData("a\\=b=c", "invalid field selector: unescaped character in value: 61")]
    [InlineData("a===b", "invalid field selector: unescaped character in value: 61")]
    [InlineData("a=x,b=y,z", "invalid selector: 'a=x,b=y,z'; can't understand 'z'")]
    [InlineData("a=\\,,b", "invalid selector: 'a=\\,,b'; can't understand 'b'")]
    public void Parse_Malformed_ThrowsKubernetesMessage(string selector, string expected)
    {
        var error = Assert.Throws<SelectorParseException>(() => FieldSelector.Parse(selector));

        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [InlineData("a=b", true)]
    [InlineData("a", false)]
    public void TryParse_Input_ReportsSuccess(string selector, bool expected)
    {
        Assert.Equal(expected, FieldSelector.TryParse(selector, out var result, out var error));
        Assert.Equal(expected, result is not null);
        Assert.Equal(expected, error is null);
    }

    [Theory]
    [InlineData("metadata.name=x,spec.nodeName=n", null)]
    [InlineData("metadata.name=x,spec.foo=n", "field label not supported: spec.foo")]
    [InlineData("", null)]
    public void EnsureSupported_FieldSet_ThrowsForUnknownField(string selector, string? expected)
    {
        var supported = new HashSet<string> { "metadata.name", "metadata.namespace", "spec.nodeName" };
        var parsed = FieldSelector.Parse(selector);

        var error = Record.Exception(() => parsed.EnsureSupported(supported));

        Assert.Equal(expected, error?.Message);
    }

    [Theory]
    [InlineData("metadata.name=x,metadata.namespace=y", null)]
    [InlineData("spec.foo=x", "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    public void EnsureOnlyMetadataFields_Selector_ThrowsForOtherFields(string selector, string? expected)
    {
        var error = Record.Exception(() => FieldSelector.Parse(selector).EnsureOnlyMetadataFields());

        Assert.Equal(expected, error?.Message);
    }

    [Theory]
    [InlineData("metadata.name=x", "metadata.name", "x")]
    [InlineData("metadata.name==x,a=b", "metadata.name", "x")]
    [InlineData("metadata.name!=x", "metadata.name", null)]
    [InlineData("a=b", "metadata.name", null)]
    public void RequiresExactMatch_Selector_ReturnsPinnedValue(string selector, string field, string? expected)
    {
        var found = FieldSelector.Parse(selector).RequiresExactMatch(field, out var value);

        Assert.Equal(expected is not null, found);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b=c\\d", "a\\,b\\=c\\\\d")]
    [InlineData("", "")]
    public void EscapeValue_SpecialCharacters_AreEscapedAndRoundTrip(string raw, string escaped)
    {
        Assert.Equal(escaped, FieldSelector.EscapeValue(raw));
        Assert.Equal(raw, FieldSelector.UnescapeValue(escaped));
    }
}
