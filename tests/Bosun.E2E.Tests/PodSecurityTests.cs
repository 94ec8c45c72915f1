using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>PodSecurity admission through the real kubectl: namespace labels enforce and warn with upstream's wording.</summary>
[Trait("Category", "E2E")]
public sealed class PodSecurityTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Compliant = """
        {"apiVersion":"v1","spec":{"securityContext":{"runAsNonRoot":true,"runAsUser":1000,"seccompProfile":{"type":"RuntimeDefault"}},
         "containers":[{"name":"ok","image":"busybox","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}
        """;

    [Fact]
    public async Task EnforceRestricted_RefusesPrivilegedPod_AndAdmitsCompliantOne()
    {
        var ns = await fixture.CreateNamespaceAsync("psa-enforce");
        (await fixture.Kubectl.RunAsync("label", "ns", ns, "pod-security.kubernetes.io/enforce=restricted")).Ok();

        var refused = await fixture.Kubectl.RunAsync("run", "priv", "--image=busybox", "--privileged", "-n", ns);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains(
            "Error from server (Forbidden): pods \"priv\" is forbidden: violates PodSecurity \"restricted:latest\": " +
            "privileged (container \"priv\" must not set securityContext.privileged=true), " +
            "allowPrivilegeEscalation != false (container \"priv\" must set securityContext.allowPrivilegeEscalation=false), " +
            "unrestricted capabilities (container \"priv\" must set securityContext.capabilities.drop=[\"ALL\"]), " +
            "runAsNonRoot != true (pod or container \"priv\" must set securityContext.runAsNonRoot=true), " +
            "seccompProfile (pod or container \"priv\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            refused.Stderr);

        var admitted = (await fixture.Kubectl.RunAsync("run", "ok", "--image=busybox", "-n", ns, "--overrides", Compliant)).Ok();
        Assert.Contains("pod/ok created", admitted.Stdout);
        Assert.DoesNotContain("Warning", admitted.Stderr);
    }

    [Fact]
    public async Task WarnBaseline_PrintsWarning_AndTighteningEnforceWarnsAboutExistingPods()
    {
        var ns = await fixture.CreateNamespaceAsync("psa-warn");
        (await fixture.Kubectl.RunAsync("label", "ns", ns, "pod-security.kubernetes.io/warn=baseline")).Ok();

        var warned = (await fixture.Kubectl.RunAsync("run", "w", "--image=busybox", "--privileged", "-n", ns)).Ok();

        Assert.Contains("pod/w created", warned.Stdout);
        Assert.Contains("Warning: would violate PodSecurity \"baseline:latest\": privileged (container \"w\" must not set securityContext.privileged=true)", warned.Stderr);

        var labelled = (await fixture.Kubectl.RunAsync("label", "ns", ns, "pod-security.kubernetes.io/enforce=baseline")).Ok();
        Assert.Contains($"Warning: existing pods in namespace \"{ns}\" violate the new PodSecurity enforce level \"baseline:latest\"", labelled.Stderr);
        Assert.Contains("Warning: w: privileged", labelled.Stderr);

        var invalid = await fixture.Kubectl.RunAsync("label", "ns", ns, "--overwrite", "pod-security.kubernetes.io/enforce=strict");
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted", invalid.Stderr);
    }
}
