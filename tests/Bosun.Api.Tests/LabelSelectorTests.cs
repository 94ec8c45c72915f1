using System.Text.Json.Nodes;
using k8s.Models;

namespace Bosun.Api.Tests;

/// <summary>Label selector parsing, matching and canonical printing against Kubernetes behaviour.</summary>
public sealed class LabelSelectorTests
{
    private static Dictionary<string, string> Labels(string spec) =>
        spec.Length == 0
            ? []
            : spec.Split(';').Select(p => p.Split(':')).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    [Theory]
    [InlineData("release in (canary,alpha,beta)", "release:alpha", true)]
    [InlineData("release in (canary,alpha,beta)", "release:stable", false)]
    [InlineData("release in (canary,alpha,beta)", "", false)]
    [InlineData("release notin (canary,alpha,beta)", "release:stable", true)]
    [InlineData("release notin (canary,alpha,beta)", "release:beta", false)]
    [InlineData("release notin (canary,alpha,beta)", "", true)]
    [InlineData("release!=stable", "", true)]
    [InlineData("release!=stable", "release:stable", false)]
    [InlineData("release!=stable", "release:canary", true)]
    [InlineData("!release", "", true)]
    [InlineData("!release", "release:x", false)]
    [InlineData("release", "release:", true)]
    [InlineData("release", "app:x", false)]
    [InlineData("release=stable,app=myapp", "release:stable;app:myapp", true)]
    [InlineData("release=stable,app=myapp", "release:stable", false)]
    [InlineData("release==stable", "release:stable", true)]
    [InlineData("release=", "release:", true)]
    [InlineData("release=", "", false)]
    [InlineData("release in ()", "release:", true)]
    [InlineData("release in (,a)", "release:", true)]
    [InlineData("  release  =  stable  ,  app  ", "release:stable;app:", true)]
    [InlineData("env in (prod),tier notin (frontend),!legacy", "env:prod;tier:backend", true)]
    [InlineData("env in (prod),tier notin (frontend),!legacy", "env:prod;tier:backend;legacy:y", false)]
    [InlineData("in=notin", "in:notin", true)]
    [InlineData("x in (in,notin)", "x:notin", true)]
    [InlineData("example.com/tier=web", "example.com/tier:web", true)]
    [InlineData("replicas>2", "replicas:3", true)]
    [InlineData("replicas>2", "replicas:2", false)]
    [InlineData("replicas<2", "replicas:-1", true)]
    [InlineData("replicas<2", "replicas:abc", false)]
    [InlineData("replicas<2", "", false)]
    [InlineData("", "a:b", true)]
    [InlineData("   ", "", true)]
    public void Parse_SelectorForm_MatchesLikeKubernetes(string selector, string labels, bool expected)
    {
        var parsed = LabelSelector.Parse(selector);

        Assert.Equal(expected, parsed.Matches(Labels(labels)));
    }

    [Theory]
    [InlineData("release in (canary,alpha,beta)", "release:alpha", true)]
    [InlineData("release in (canary,alpha,beta)", "release:stable", false)]
    [InlineData("release notin (canary,alpha,beta)", "", true)]
    [InlineData("release!=stable", "", true)]
    [InlineData("release!=stable", "release:stable", false)]
    [InlineData("!release", "release:x", false)]
    [InlineData("release", "release:", true)]
    [InlineData("release=", "release:", true)]
    [InlineData("release=stable,app=myapp", "release:stable;app:myapp", true)]
    [InlineData("replicas>2", "replicas:3", true)]
    [InlineData("replicas<2", "replicas:abc", false)]
    public void Matches_JsonLabels_AgreesWithDictionary(string selector, string labels, bool expected)
    {
        var parsed = LabelSelector.Parse(selector);
        var dictionary = Labels(labels);
        var json = new JsonObject(dictionary.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        var parsedJson = JsonNode.Parse(json.ToJsonString())!.AsObject();

        Assert.Equal(expected, parsed.Matches(json));
        Assert.Equal(expected, parsed.Matches(parsedJson));
    }

    [Theory]
    [InlineData("""{"a":null}""", "a=", true)]
    [InlineData("""{"a":null}""", "a", true)]
    [InlineData("""{"a":1}""", "a=1", false)]
    [InlineData("""{"a":1}""", "a!=1", true)]
    public void Matches_JsonLabelsOddValues_FollowGoDecoding(string labels, string selector, bool expected)
    {
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(JsonNode.Parse(labels)!.AsObject()));
    }

    [Fact]
    public void Matches_ParsedJsonLabels_DoesNotAllocate()
    {
        var parsed = LabelSelector.Parse("release in (canary,alpha),tier notin (db),!legacy,app,env=prod");
        var labels = JsonNode.Parse("""{"release":"alpha","tier":"web","app":"x","env":"prod"}""")!.AsObject();
        parsed.Matches(labels);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            parsed.Matches(labels);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("release!=stable")]
    [InlineData("release notin (a)")]
    [InlineData("!release")]
    [InlineData("")]
    public void Matches_NullLabels_TreatedAsNoLabels(string selector)
    {
        Assert.True(LabelSelector.Parse(selector).Matches((IReadOnlyDictionary<string, string>?)null));
        Assert.True(LabelSelector.Parse(selector).Matches((JsonObject?)null));
    }

    [Theory]
    [InlineData("x=a,b=c", "b=c,x=a")]
    [InlineData("release in (canary,alpha,beta,alpha)", "release in (alpha,beta,canary)")]
    [InlineData("release notin ( b , a )", "release notin (a,b)")]
    [InlineData("!a,  b", "!a,b")]
    [InlineData("a==b", "a==b")]
    [InlineData("a!=", "a!=")]
    [InlineData("a in (,b)", "a in (,b)")]
    [InlineData("a in ()", "a in ()")]
    [InlineData("n>5", "n>5")]
    [InlineData("", "")]
    public void ToString_ParsedSelector_IsCanonical(string selector, string expected)
    {
        Assert.Equal(expected, LabelSelector.Parse(selector).ToString());
    }

    [Theory]
    [InlineData("x=a,b=c")]
    [InlineData("release in (alpha,beta)")]
    [InlineData("!a,b,c!=d")]
    public void ToString_RoundTrip_ParsesToSameString(string selector)
    {
        var once = LabelSelector.Parse(selector).ToString();

        Assert.Equal(once, LabelSelector.Parse(once).ToString());
    }

    private const string NameRegexMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    private const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    [Theory]
    [InlineData("x=a,", "found '', expected: identifier after ','")]
    [InlineData("x=a,=b", "found '=', expected: identifier after ','")]
    [InlineData("x=a b", "found 'b', expected: ',' or 'end of string'")]
    [InlineData("=a", "found '=', expected: !, identifier, or 'end of string'")]
    [InlineData(",", "found ',', expected: !, identifier, or 'end of string'")]
    [InlineData("!x=a", "found '=', expected: ',' or 'end of string'")]
    [InlineData("!", "unable to parse requirement: found '', expected: identifier")]
    [InlineData("!!x", "unable to parse requirement: found '!', expected: identifier")]
    [InlineData("x (a)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, >, <")]
    [InlineData("x y", "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, >, <")]
    [InlineData("x in a", "unable to parse requirement: found 'a' expected: '('")]
    [InlineData("x in (a", "unable to parse requirement: found '', expected: ',' or ')'")]
    [InlineData("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'")]
    [InlineData("x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier")]
    [InlineData("x in (,=)", "unable to parse requirement: found '=', expected: ',', or identifier")]
    [InlineData("x in", "unable to parse requirement: found '' expected: '('")]
    [InlineData("x=(", "unable to parse requirement: found '(', expected: identifier")]
    [InlineData("x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("x=-a", "unable to parse requirement: values[0][x]: Invalid value: \"-a\": " + LabelValueMessage)]
    [InlineData("-x=a", "unable to parse requirement: <nil>: Invalid value: \"-x\": " + NameRegexMessage)]
    [InlineData("a/b/c", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")]
    public void Parse_Malformed_ThrowsKubernetesMessage(string selector, string expected)
    {
        var error = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(selector));

        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [InlineData("a=b", true)]
    [InlineData("a=b c", false)]
    [InlineData("", true)]
    public void TryParse_Input_ReportsSuccess(string selector, bool expected)
    {
        var ok = LabelSelector.TryParse(selector, out var result, out var error);

        Assert.Equal(expected, ok);
        Assert.Equal(expected, result is not null);
        Assert.Equal(expected, error is null);
    }

    [Fact]
    public void Everything_AnyLabels_Matches()
    {
        Assert.True(LabelSelector.Everything.Matches(Labels("a:b")));
        Assert.True(LabelSelector.Everything.IsEmpty);
        Assert.Equal("", LabelSelector.Everything.ToString());
    }

    [Fact]
    public void Nothing_AnyLabels_DoesNotMatch()
    {
        Assert.False(LabelSelector.Nothing.Matches(Labels("a:b")));
        Assert.False(LabelSelector.Nothing.Matches((JsonObject?)null));
        Assert.False(LabelSelector.Nothing.IsEmpty);
    }

    [Fact]
    public void FromLabelSelector_Null_SelectsNothing()
    {
        Assert.Same(LabelSelector.Nothing, LabelSelector.FromLabelSelector(null));
    }

    [Fact]
    public void FromLabelSelector_Empty_SelectsEverything()
    {
        Assert.Same(LabelSelector.Everything, LabelSelector.FromLabelSelector(new V1LabelSelector()));
    }

    public static TheoryData<string, string?, string[]?, string, string, bool> Expressions => new()
    {
        { "tier", "In", ["cache", "db"], "tier:db", "tier in (cache,db)", true },
        { "tier", "In", ["cache"], "tier:web", "tier in (cache)", false },
        { "tier", "NotIn", ["cache"], "", "tier notin (cache)", true },
        { "tier", "NotIn", ["cache"], "tier:cache", "tier notin (cache)", false },
        { "tier", "Exists", null, "tier:", "tier", true },
        { "tier", "Exists", [], "", "tier", false },
        { "tier", "DoesNotExist", null, "", "!tier", true },
        { "tier", "DoesNotExist", null, "tier:x", "!tier", false },
    };

    [Theory]
    [MemberData(nameof(Expressions))]
    public void FromLabelSelector_MatchExpression_MatchesLikeKubernetes(string key, string? op, string[]? values, string labels, string text, bool expected)
    {
        var selector = LabelSelector.FromLabelSelector(new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = key, OperatorProperty = op, Values = values }],
        });

        Assert.Equal(text, selector.ToString());
        Assert.Equal(expected, selector.Matches(Labels(labels)));
    }

    [Fact]
    public void FromLabelSelector_MatchLabelsAndExpressions_AndsAllSortedByKey()
    {
        var selector = LabelSelector.FromLabelSelector(new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["z"] = "1", ["app"] = "web" },
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "NotIn", Values = ["dev"] }],
        });

        Assert.Equal("app=web,env notin (dev),z=1", selector.ToString());
        Assert.True(selector.Matches(Labels("app:web;z:1")));
        Assert.False(selector.Matches(Labels("app:web;z:1;env:dev")));
        Assert.False(selector.Matches(Labels("app:web")));
    }

    public static TheoryData<string, string?, string[]?, string> BadExpressions => new()
    {
        { "tier", "In", null, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty" },
        { "tier", "NotIn", [], "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty" },
        { "tier", "Exists", ["a"], "values: Invalid value: []string{\"a\"}: values set must be empty for exists and does not exist" },
        { "tier", "DoesNotExist", ["a", "b"], "values: Invalid value: []string{\"a\", \"b\"}: values set must be empty for exists and does not exist" },
        { "tier", "Equals", ["a"], "\"Equals\" is not a valid label selector operator" },
        { "tier", "in", ["a"], "\"in\" is not a valid label selector operator" },
        { "tier", "In", ["-a"], "values[0][tier]: Invalid value: \"-a\": " + LabelValueMessage },
        { "Tier_", "Exists", null, "key: Invalid value: \"Tier_\": " + NameRegexMessage },
        {
            "-k", "In", null,
            "[key: Invalid value: \"-k\": " + NameRegexMessage + ", values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty]"
        },
    };

    [Theory]
    [MemberData(nameof(BadExpressions))]
    public void FromLabelSelector_InvalidExpression_ThrowsKubernetesMessage(string key, string? op, string[]? values, string expected)
    {
        var input = new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = key, OperatorProperty = op, Values = values }],
        };

        var error = Assert.Throws<SelectorParseException>(() => LabelSelector.FromLabelSelector(input));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void FromLabelSelector_InvalidMatchLabelValue_ThrowsKubernetesMessage()
    {
        var input = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "a b" } };

        var error = Assert.Throws<SelectorParseException>(() => LabelSelector.FromLabelSelector(input));

        Assert.Equal("values[0][app]: Invalid value: \"a b\": " + LabelValueMessage, error.Message);
    }

    [Theory]
    [InlineData("a", SelectorOperator.Equals, new[] { "x", "y" }, "values: Invalid value: []string{\"x\", \"y\"}: exact-match compatibility requires one single value")]
    [InlineData("a", SelectorOperator.GreaterThan, new string[0], "values: Invalid value: []string(nil): for 'Gt', 'Lt' operators, exactly one value is required")]
    public void Create_WrongValueCount_ThrowsKubernetesMessage(string key, SelectorOperator op, string[] values, string expected)
    {
        var error = Assert.Throws<SelectorParseException>(() => LabelRequirement.Create(key, op, values));

        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [InlineData("release in (canary,alpha,beta),tier notin (db),!legacy,app,env=prod,n>1")]
    [InlineData("missing!=x,other notin (a)")]
    [InlineData("")]
    public void Matches_Repeatedly_DoesNotAllocate(string selector)
    {
        var parsed = LabelSelector.Parse(selector);
        IReadOnlyDictionary<string, string> labels = Labels("release:alpha;tier:web;app:x;env:prod;n:5");
        parsed.Matches(labels);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            parsed.Matches(labels);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
