using Bosun.Agent.Logs;

namespace Bosun.Agent.Tests.Logs;

public sealed class LogRotationPlanTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-25T22:01:02Z");

    [Fact]
    public void A_file_under_the_limit_is_left_alone()
    {
        Assert.Same(LogRotationPlan.Nothing, LogRotationPlan.Decide("/l/0.log", 100, [], 1000, 5, Now));
    }

    [Fact]
    public void A_file_over_the_limit_is_renamed_with_a_timestamp_suffix()
    {
        var plan = LogRotationPlan.Decide("/l/0.log", 1001, [], 1000, 5, Now);
        Assert.Equal("/l/0.log.20261125-220102", plan.RotateTo);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void The_oldest_rotated_files_go_so_that_max_files_remain_including_the_current_one()
    {
        string[] rotated = ["/l/0.log.20261125-210000", "/l/0.log.20261125-200000", "/l/0.log.20261125-215959", "/l/0.log.20261125-220000"];
        var plan = LogRotationPlan.Decide("/l/0.log", 5000, rotated, 1000, 5, Now);
        Assert.Equal("/l/0.log.20261125-220102", plan.RotateTo);
        // 4 old + 1 new rotated + current = 6 files; keep 5: the oldest goes.
        Assert.Equal(["/l/0.log.20261125-200000"], plan.Delete);
    }

    [Fact]
    public void Two_rotations_in_the_same_second_do_not_overwrite_each_other()
    {
        var plan = LogRotationPlan.Decide("/l/0.log", 5000, ["/l/0.log.20261125-220102"], 1000, 5, Now);
        Assert.Null(plan.RotateTo);
    }
}
