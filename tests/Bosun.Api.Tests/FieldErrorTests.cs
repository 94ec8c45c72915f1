namespace Bosun.Api.Tests;

/// <summary>FieldError formatting and Status cause reasons as kube-apiserver produces them.</summary>
public sealed class FieldErrorTests
{
    public static TheoryData<FieldError, string> Formats => new()
    {
        { FieldError.Invalid("metadata.name", "Foo_Bar", ValidationTests.SubdomainMessage), "metadata.name: Invalid value: \"Foo_Bar\": " + ValidationTests.SubdomainMessage },
        { FieldError.Required("metadata.name", "name or generateName is required"), "metadata.name: Required value: name or generateName is required" },
        { FieldError.Required("metadata.namespace"), "metadata.namespace: Required value" },
        { FieldError.Forbidden("metadata.namespace", "not allowed on this type"), "metadata.namespace: Forbidden: not allowed on this type" },
        { FieldError.Duplicate("spec.containers[1].name", "app"), "spec.containers[1].name: Duplicate value: \"app\"" },
        { FieldError.NotFound("spec.x", "y"), "spec.x: Not found: \"y\"" },
        { FieldError.NotSupported("spec.restartPolicy", "Sometimes", ["Always", "OnFailure", "Never"]), "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"" },
        { FieldError.NotSupported("spec.x", "y", null), "spec.x: Unsupported value: \"y\"" },
        { FieldError.TooLong("metadata.annotations", 262144), "metadata.annotations: Too long: may not be more than 262144 bytes" },
        { FieldError.TooLong("spec.x", -1), "spec.x: Too long: value is too long" },
        { FieldError.TooMany("spec.items", 5, 4), "spec.items: Too many: 5: must have at most 4 items" },
        { FieldError.TooMany("spec.items", -1, 1), "spec.items: Too many: must have at most 1 items" },
        { FieldError.Invalid("metadata.generation", -1L, "must be greater than or equal to 0"), "metadata.generation: Invalid value: -1: must be greater than or equal to 0" },
        { FieldError.Invalid("spec.flag", true, "nope"), "spec.flag: Invalid value: true: nope" },
        { FieldError.Invalid("spec.x", null, "nope"), "spec.x: Invalid value: null: nope" },
        { FieldError.Invalid("spec.x", "a\"b\\c\n\u0001", "d"), "spec.x: Invalid value: \"a\\\"b\\\\c\\n\\x01\": d" },
        { FieldError.Invalid("values", new[] { "a", "b" }, "d"), "values: Invalid value: []string{\"a\", \"b\"}: d" },
        { FieldError.Internal("spec", "boom"), "spec: Internal error: boom" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void ToString_EachType_UsesKubernetesFormat(FieldError error, string expected)
    {
        Assert.Equal(expected, error.ToString());
    }

    [Theory]
    [InlineData(FieldErrorType.Required, "FieldValueRequired")]
    [InlineData(FieldErrorType.Invalid, "FieldValueInvalid")]
    [InlineData(FieldErrorType.Duplicate, "FieldValueDuplicate")]
    [InlineData(FieldErrorType.NotSupported, "FieldValueNotSupported")]
    [InlineData(FieldErrorType.TooLong, "FieldValueTooLong")]
    [InlineData(FieldErrorType.TooMany, "FieldValueTooMany")]
    [InlineData(FieldErrorType.Forbidden, "FieldValueForbidden")]
    [InlineData(FieldErrorType.NotFound, "FieldValueNotFound")]
    [InlineData(FieldErrorType.Internal, "InternalError")]
    [InlineData(FieldErrorType.TypeInvalid, "FieldValueTypeInvalid")]
    public void Reason_EachType_IsStatusCauseReason(FieldErrorType type, string expected)
    {
        Assert.Equal(expected, new FieldError(type, "f", "v", "").Reason);
    }

    [Fact]
    public void Body_Invalid_OmitsFieldPath()
    {
        Assert.Equal("Invalid value: \"x\": bad", FieldError.Invalid("spec.a", "x", "bad").Body);
    }

    [Fact]
    public void Join_OneError_IsBare()
    {
        Assert.Equal("a: Required value", FieldError.Join([FieldError.Required("a")]));
    }

    [Fact]
    public void Join_SeveralErrors_AreBracketedAndDeduplicated()
    {
        var errors = new[] { FieldError.Required("a"), FieldError.Forbidden("b", "no"), FieldError.Required("a") };

        Assert.Equal("[a: Required value, b: Forbidden: no]", FieldError.Join(errors));
    }

    [Fact]
    public void Join_NoErrors_IsEmpty()
    {
        Assert.Equal("", FieldError.Join([]));
    }
}
