using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>LimitRange defaults and ResourceQuota rejections through the real kubectl.</summary>
[Trait("Category", "E2E")]
public sealed class AdmissionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static string Pod(string ns, string name, string? cpu) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          containers:
          - name: app
            image: busybox
        {(cpu is null ? "" : $"    resources:\n      requests:\n        cpu: {cpu}\n")}
        """;

    [Fact]
    public async Task LimitRange_FillsDefaultRequestsOfNewPods()
    {
        var ns = await fixture.CreateNamespaceAsync("limits");
        (await fixture.Kubectl.RunWithInputAsync($"""
            apiVersion: v1
            kind: LimitRange
            metadata:
              name: defaults
              namespace: {ns}
            spec:
              limits:
              - type: Container
                defaultRequest:
                  cpu: 250m
                  memory: 64Mi
            """, "create", "-f", "-")).Ok();

        (await fixture.Kubectl.RunWithInputAsync(Pod(ns, "web", null), "create", "-f", "-")).Ok();

        var requests = (await fixture.Kubectl.RunAsync("get", "pod", "web", "-n", ns, "-o", "jsonpath={.spec.containers[0].resources.requests}")).Ok();
        Assert.Equal("{\"cpu\":\"250m\",\"memory\":\"64Mi\"}", requests.Stdout);
    }

    [Fact]
    public async Task ResourceQuota_RejectsPodOverQuotaWithKubernetesMessage()
    {
        var ns = await fixture.CreateNamespaceAsync("quota");
        (await fixture.Kubectl.RunAsync("create", "quota", "compute", "--hard=requests.cpu=1,pods=10", "-n", ns)).Ok();
        (await fixture.Kubectl.RunWithInputAsync(Pod(ns, "first", "800m"), "create", "-f", "-")).Ok();

        var over = await fixture.Kubectl.RunWithInputAsync(Pod(ns, "second", "800m"), "create", "-f", "-");

        Assert.NotEqual(0, over.ExitCode);
        Assert.Contains(
            "Error from server (Forbidden): error when creating \"STDIN\": pods \"second\" is forbidden: exceeded quota: compute, requested: requests.cpu=800m, used: requests.cpu=800m, limited: requests.cpu=1",
            over.Stderr);
        await Poll.UntilAsync(async () => (await fixture.Kubectl.RunAsync("get", "quota", "compute", "-n", ns, "-o", "jsonpath={.status.used.pods}")).Stdout == "1",
            TimeSpan.FromSeconds(20), "quota status counts the pod");
    }
}
