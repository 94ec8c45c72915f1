using Bosun.Agent.Images;
using Grpc.Core;

namespace Bosun.Agent.Tests.Images;

public sealed class ImagePullErrorsTests
{
    [Fact]
    public void Classify_ManifestNotFound_IsErrImagePullWithTheKubeletsWording()
    {
        const string detail = "failed to pull and unpack image \"docker.io/library/nope:1\": failed to resolve reference \"docker.io/library/nope:1\": docker.io/library/nope:1: not found";

        var failure = ImagePullErrors.Classify("nope:1", StatusCode.NotFound, detail);

        Assert.Equal("ErrImagePull", failure.Reason);
        Assert.Equal(ImagePullFailureKind.NotFound, failure.Kind);
        Assert.Equal($"Failed to pull image \"nope:1\": rpc error: code = NotFound desc = {detail}", failure.Message);
    }

    [Theory]
    [InlineData(StatusCode.Unknown, "failed to pull and unpack image \"docker.io/library/nope:1\": failed to resolve reference \"docker.io/library/nope:1\": failed to do request: Head \"https://registry-1.docker.io/v2/library/nope/manifests/1\": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: no such host", "Unreachable")]
    [InlineData(StatusCode.Unknown, "failed to pull and unpack image \"127.0.0.1:5000/x:1\": failed to resolve reference \"127.0.0.1:5000/x:1\": failed to do request: Head \"http://127.0.0.1:5000/v2/x/manifests/1\": dial tcp 127.0.0.1:5000: connect: connection refused", "Unreachable")]
    [InlineData(StatusCode.Unknown, "failed to pull and unpack image \"docker.io/library/x:1\": failed to resolve reference \"docker.io/library/x:1\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed", "Unauthorized")]
    [InlineData(StatusCode.Unknown, "failed to pull and unpack image \"h/x:1\": failed to resolve reference \"h/x:1\": unexpected status from HEAD request to https://h/v2/x/manifests/1: 401 Unauthorized", "Unauthorized")]
    [InlineData(StatusCode.Unknown, "failed to pull and unpack image \"docker.io/library/x:1\": failed to extract layer sha256:ab: write /var/lib: no space left on device", "Other")]
    [InlineData(StatusCode.NotFound, "docker.io/library/x:1: not found", "NotFound")]
    [InlineData(StatusCode.Unknown, "failed to pull and unpack image \"127.0.0.1:5000/x:2\": failed to resolve reference \"127.0.0.1:5000/x:2\": 127.0.0.1:5000/x:2: not found", "NotFound")]
    public void KindOf_RecognisesContainerdMessages(StatusCode code, string detail, string expected) =>
        Assert.Equal(expected, ImagePullErrors.KindOf(code, detail).ToString());

    [Fact]
    public void Classify_InvalidReference_IsInvalidImageName()
    {
        var failure = ImagePullErrors.Classify("Bad:Name:", new RpcException(new Status(StatusCode.Unknown, "failed to parse image reference \"Bad:Name:\": invalid reference format")));

        Assert.Equal("InvalidImageName", failure.Reason);
        Assert.Equal("Failed to apply default image tag \"Bad:Name:\": failed to parse image reference \"Bad:Name:\": invalid reference format", failure.Message);
    }

    [Fact]
    public void Messages_MatchTheKubelets()
    {
        Assert.Equal("Back-off pulling image \"nope:1\"", ImagePullErrors.BackOffMessage("nope:1"));
        Assert.Equal("Container image \"x:1\" is not present with pull policy of Never", ImagePullErrors.NeverPullMessage("x:1"));
    }
}
