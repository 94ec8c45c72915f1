using Bosun.Agent.Images;

namespace Bosun.Agent.Tests.Images;

public sealed class ImageBuildArgumentsTests
{
    [Theory]
    [InlineData("busybox:latest")]
    [InlineData("ikubernetes/myapp:v1")]
    [InlineData("localhost/bosun/pause:1")]
    [InlineData("127.0.0.1:5000/team/app-x:1.2_3")]
    public void Check_ValidTags_HaveNoProblems(string tag) => Assert.Empty(ImageBuildArguments.Check(tag, [], []));

    [Theory]
    [InlineData("busybox")]
    [InlineData("BusyBox:1")]
    [InlineData("a:")]
    [InlineData("a/:1")]
    public void Check_InvalidTag_IsReported(string tag) =>
        Assert.Contains("is not NAME:TAG", Assert.Single(ImageBuildArguments.Check(tag, [], [])));

    [Fact]
    public void Check_ReportsEveryProblemAtOnce()
    {
        var problems = ImageBuildArguments.Check("x", ["NOVALUE", "=x", "OK=1"], ["80", "80/tcp", "http"]);

        Assert.Equal(4, problems.Count);
        Assert.Contains("--env: \"NOVALUE\" is not K=V", problems);
        Assert.Contains("--env: \"=x\" is not K=V", problems);
        Assert.Contains("--expose: \"http\" is not PORT or PORT/tcp|udp|sctp", problems);
    }
}
