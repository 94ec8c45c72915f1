using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.NodeProxy;

namespace Bosun.ApiServer.Tests.NodeProxy;

public sealed class LogStatusCheckTests
{
    private static JsonObject Pod(string statusJson) =>
        JsonNode.Parse("{\"status\":{\"containerStatuses\":[" + statusJson + "]}}")!.AsObject();

    private static string Refusal(JsonObject pod, bool previous = false) =>
        Assert.Throws<ApiException>(() => LogStatusCheck.Validate(pod, "p", "c", previous)).Message;

    [Fact]
    public void A_running_container_has_logs()
    {
        LogStatusCheck.Validate(Pod("""{"name":"c","state":{"running":{}}}"""), "p", "c", previous: false);
    }

    [Fact]
    public void A_waiting_container_is_refused_with_the_kubelets_reason()
    {
        Assert.Equal("container \"c\" in pod \"p\" is waiting to start: ContainerCreating",
            Refusal(Pod("""{"name":"c","state":{"waiting":{"reason":"ContainerCreating"}}}""")));
        Assert.Equal("container \"c\" in pod \"p\" is waiting to start: image can't be pulled",
            Refusal(Pod("""{"name":"c","state":{"waiting":{"reason":"ErrImagePull"}}}""")));
        Assert.Equal("container \"c\" in pod \"p\" is waiting to start - no logs yet", Refusal(Pod("""{"name":"other"}""")));
    }

    [Fact]
    public void A_crash_looping_container_shows_its_last_run()
    {
        LogStatusCheck.Validate(Pod("""{"name":"c","state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"containerID":"containerd://1"}}}"""),
            "p", "c", previous: false);
    }

    [Fact]
    public void Previous_needs_a_terminated_last_state()
    {
        Assert.Equal("previous terminated container \"c\" in pod \"p\" not found", Refusal(Pod("""{"name":"c","state":{"running":{}}}"""), previous: true));
        LogStatusCheck.Validate(Pod("""{"name":"c","state":{"running":{}},"lastState":{"terminated":{"containerID":"containerd://1"}}}"""), "p", "c", previous: true);
    }
}
