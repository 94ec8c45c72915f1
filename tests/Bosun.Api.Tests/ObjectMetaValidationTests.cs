using System.Text.Json.Nodes;

namespace Bosun.Api.Tests;

/// <summary>Generic object metadata validation: names, scope, labels and annotations.</summary>
public sealed class ObjectMetaValidationTests
{
    private static IReadOnlyList<string> Validate(string json, bool namespaced = true) =>
        ObjectMetaValidation.Validate(JsonNode.Parse(json)!.AsObject(), namespaced, Validation.IsDns1123Subdomain)
            .Select(e => e.ToString())
            .ToList();

    [Theory]
    [InlineData("""{"name":"web","namespace":"default"}""", true)]
    [InlineData("""{"name":"node-1"}""", false)]
    [InlineData("""{"generateName":"web-","namespace":"default"}""", true)]
    [InlineData("""{"name":"web","namespace":"d","finalizers":["kubernetes.io/pv-protection"],"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u","controller":true},{"apiVersion":"v1","kind":"Pod","name":"p","uid":"v","controller":false}]}""", true)]
    [InlineData("""{"name":"a.b.c","namespace":"ns","labels":{"app":"web","example.com/tier":""},"annotations":{"Example.com/Note":"anything at all"}}""", true)]
    public void Validate_ValidMetadata_ReturnsNoErrors(string json, bool namespaced)
    {
        Assert.Empty(Validate(json, namespaced));
    }

    public static TheoryData<string, bool, string[]> Invalid => new()
    {
        { """{"namespace":"default"}""", true, ["metadata.name: Required value: name or generateName is required"] },
        { """{"name":"","namespace":"default"}""", true, ["metadata.name: Required value: name or generateName is required"] },
        { """{"name":"Foo_Bar","namespace":"default"}""", true, ["metadata.name: Invalid value: \"Foo_Bar\": " + ValidationTests.SubdomainMessage] },
        { """{"generateName":"Web-","namespace":"default"}""", true, ["metadata.generateName: Invalid value: \"Web-\": " + ValidationTests.SubdomainMessage] },
        { """{"name":"web"}""", true, ["metadata.namespace: Required value"] },
        { """{"name":"web","namespace":"Bad.NS"}""", true, ["metadata.namespace: Invalid value: \"Bad.NS\": " + ValidationTests.LabelMessage] },
        { """{"name":"web","namespace":"a.b"}""", true, ["metadata.namespace: Invalid value: \"a.b\": must not contain dots"] },
        { """{"name":"node","namespace":"default"}""", false, ["metadata.namespace: Forbidden: not allowed on this type"] },
        { """{"name":"web","namespace":"d","generation":-1}""", true, ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"] },
        { """{"name":"web","namespace":"d","labels":{"-app":"x"}}""", true, ["metadata.labels: Invalid value: \"-app\": " + ValidationTests.NamePartMessage] },
        { """{"name":"web","namespace":"d","labels":{"app":"a b"}}""", true, ["metadata.labels: Invalid value: \"a b\": " + ValidationTests.LabelValueMessage] },
        { """{"name":"web","namespace":"d","labels":{"Bad.Prefix/app":"x"}}""", true, ["metadata.labels: Invalid value: \"Bad.Prefix/app\": prefix part " + ValidationTests.SubdomainMessage] },
        { """{"name":"web","namespace":"d","annotations":{"a/b/c":"x"}}""", true, ["metadata.annotations: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"] },
        { """{"name":"web","namespace":"d","finalizers":["example.com/cleanup","-bad"]}""", true, ["metadata.finalizers: Invalid value: \"-bad\": " + ValidationTests.NamePartMessage] },
        { """{"name":"web","namespace":"d","finalizers":["orphan","foregroundDeletion"]}""", true, ["metadata.finalizers: Invalid value: []string{\"orphan\", \"foregroundDeletion\"}: finalizer orphan and foregroundDeletion cannot be both set"] },
        {
            """{"name":"web","namespace":"d","ownerReferences":[{"apiVersion":"apps/","kind":"","name":"","uid":""}]}""", true,
            [
                "metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty",
                "metadata.ownerReferences.kind: Invalid value: \"\": kind must not be empty",
                "metadata.ownerReferences.name: Invalid value: \"\": name must not be empty",
                "metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty",
            ]
        },
        {
            """{"name":"web","namespace":"d","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]}""", true,
            ["metadata.ownerReferences: Invalid value: Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/a and ReplicaSet/b"]
        },
        { """{"name":"web","namespace":"d","ownerReferences":[{"apiVersion":"v1","kind":"Event","name":"e","uid":"1"}]}""", true, ["metadata.ownerReferences: Invalid value: /v1, Kind=Event is disallowed from being an owner"] },
        { """{"name":"web","namespace":"d","annotations":{"":"x"}}""", true, ["metadata.annotations: Invalid value: \"\": name part must be non-empty", "metadata.annotations: Invalid value: \"\": " + ValidationTests.NamePartMessage] },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_InvalidMetadata_ReturnsKubernetesErrors(string json, bool namespaced, string[] expected)
    {
        Assert.Equal(expected, Validate(json, namespaced));
    }

    [Fact]
    public void Validate_LongLabelKeyAndValue_ReportsBoth()
    {
        var json = new JsonObject
        {
            ["name"] = "web",
            ["namespace"] = "d",
            ["labels"] = new JsonObject { [new string('k', 64)] = new string('v', 64) },
        };

        var errors = ObjectMetaValidation.Validate(json, true, Validation.IsDns1123Subdomain);

        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal("metadata.labels", e.Field));
        Assert.EndsWith("name part must be no more than 63 characters", errors[0].ToString(), StringComparison.Ordinal);
        Assert.EndsWith("must be no more than 63 characters", errors[1].ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(262144 - 1, 0)]
    [InlineData(262144, 1)]
    public void Validate_AnnotationsSize_LimitIs256KiB(int valueLength, int errors)
    {
        var json = new JsonObject
        {
            ["name"] = "web",
            ["namespace"] = "d",
            ["annotations"] = new JsonObject { ["k"] = new string('x', valueLength) },
        };

        var result = ObjectMetaValidation.Validate(json, true, Validation.IsDns1123Subdomain);

        Assert.Equal(errors, result.Count);
        if (errors == 1)
        {
            Assert.Equal("metadata.annotations: Too long: may not be more than 262144 bytes", result[0].ToString());
            Assert.Equal("FieldValueTooLong", result[0].Reason);
        }
    }

    [Fact]
    public void Validate_NullMetadata_RequiresNameAndNamespace()
    {
        var errors = ObjectMetaValidation.Validate(null, true, Validation.IsDns1123Subdomain);

        Assert.Equal(["metadata.name: Required value: name or generateName is required", "metadata.namespace: Required value"], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Validate_CustomNameRule_IsUsed()
    {
        var errors = ObjectMetaValidation.Validate(JsonNode.Parse("""{"name":"1svc","namespace":"d"}""")!.AsObject(), true, Validation.IsDns1035Label);

        Assert.Equal([$"metadata.name: Invalid value: \"1svc\": {ValidationTests.Dns1035Message}"], errors.Select(e => e.ToString()));
    }
}
