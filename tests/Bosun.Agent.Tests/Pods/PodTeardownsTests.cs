using Bosun.Agent.Pods;

namespace Bosun.Agent.Tests.Pods;

public sealed class PodTeardownsTests
{
    [Fact]
    public void CleanedUp_ThenApiObjectDeleted_AreRemembered()
    {
        var t = new PodTeardowns();
        Assert.False(t.IsCleanedUp("a"));

        t.CleanedUp("a");
        Assert.True(t.IsCleanedUp("a"));
        Assert.False(t.IsApiObjectDeleted("a"));

        t.ApiObjectDeleted("a");
        t.CleanedUp("a");   // a second teardown report does not forget the deletion
        Assert.True(t.IsApiObjectDeleted("a"));
    }

    [Fact]
    public void Prune_ForgetsOnlyPodsWithNothingInTheRuntimeAndNoWorker()
    {
        var t = new PodTeardowns();
        foreach (var uid in new[] { "listed", "working", "gone" }) t.CleanedUp(uid);

        t.Prune(new HashSet<string> { "listed" }, uid => uid == "working");

        Assert.True(t.IsCleanedUp("listed"));
        Assert.True(t.IsCleanedUp("working"));
        Assert.False(t.IsCleanedUp("gone"));
        Assert.Equal(2, t.Count);
    }
}
