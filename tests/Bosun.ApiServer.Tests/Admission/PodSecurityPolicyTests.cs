using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Admission.PodSecurity;

namespace Bosun.ApiServer.Tests.Admission;

public sealed class PodSecurityPolicyTests
{
    /// <summary>A pod that passes restricted: non-root, RuntimeDefault seccomp, no escalation, all capabilities dropped.</summary>
    private const string RestrictedPodContext = """{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}""";
    private const string RestrictedContainerContext = """{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}""";

    private static string Pod(string podContext = RestrictedPodContext, string containerContext = RestrictedContainerContext, string extraSpec = "", string meta = "{}") =>
        $$$"""{"metadata":{{{meta}}},"spec":{{{{extraSpec}}}"securityContext":{{{podContext}}},"containers":[{"name":"a","image":"busybox","securityContext":{{{containerContext}}}}]}}""";

    public static TheoryData<string, string, string> Cases => new()
    {
        // The canonical upstream message: kubectl run --privileged into a restricted namespace.
        { "restricted:latest", """{"spec":{"containers":[{"name":"x","image":"busybox","securityContext":{"privileged":true}}]}}""",
            "privileged (container \"x\" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container \"x\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"x\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"x\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"x\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")" },
        { "restricted:latest", Pod(), "" },
        { "baseline:latest", """{"spec":{"containers":[{"name":"x","image":"busybox"}]}}""", "" },
        { "privileged:latest", """{"spec":{"hostNetwork":true,"containers":[{"name":"x","securityContext":{"privileged":true}}]}}""", "" },
        { "baseline:latest", Pod(extraSpec: """ "hostNetwork":true,"hostPID":true,"hostIPC":false, """), "host namespaces (hostNetwork=true, hostPID=true)" },
        { "baseline:latest", """{"spec":{"containers":[{"name":"a","securityContext":{"capabilities":{"add":["SYS_ADMIN","CHOWN"]}}},{"name":"b","securityContext":{"capabilities":{"add":["NET_ADMIN"]}}}]}}""",
            "non-default capabilities (containers \"a\", \"b\" must not include \"NET_ADMIN\", \"SYS_ADMIN\" in securityContext.capabilities.add)" },
        { "baseline:latest", Pod(extraSpec: """ "volumes":[{"name":"h","hostPath":{"path":"/"}},{"name":"e","emptyDir":{}}], """), "hostPath volumes (volume \"h\")" },
        { "restricted:latest", Pod(extraSpec: """ "volumes":[{"name":"h","hostPath":{"path":"/"}},{"name":"n","nfs":{"server":"s","path":"/"}},{"name":"c","configMap":{"name":"c"}}], """),
            "restricted volume types (volumes \"h\", \"n\" use restricted volume types \"hostPath\", \"nfs\")" },
        { "baseline:latest", """{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"hostPort":80}]},{"name":"b","ports":[{"containerPort":1,"hostPort":8080},{"containerPort":2},{"containerPort":3,"hostPort":443}]}]}}""",
            "hostPort (containers \"a\", \"b\" use hostPorts 443, 80, 8080)" },
        { "baseline:latest", """{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"hostPort":80}]}]}}""", "hostPort (container \"a\" uses hostPort 80)" },
        { "baseline:latest", Pod(meta: """{"annotations":{"container.apparmor.security.beta.kubernetes.io/a":"unconfined","container.apparmor.security.beta.kubernetes.io/b":"localhost/p"}}"""),
            "forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/a=\"unconfined\")" },
        { "baseline:latest", Pod(podContext: """{"seLinuxOptions":{"type":"spc_t"}}"""), "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type \"spc_t\")" },
        { "baseline:latest", Pod(containerContext: """{"seLinuxOptions":{"user":"root"}}"""), "seLinuxOptions (container \"a\" set forbidden securityContext.seLinuxOptions: user may not be set)" },
        { "baseline:latest", Pod(containerContext: """{"procMount":"Unmasked"}"""), "procMount (container \"a\" must not set securityContext.procMount to \"Unmasked\")" },
        { "baseline:latest", Pod(podContext: """{"seccompProfile":{"type":"Unconfined"}}"""), "seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")" },
        { "baseline:latest", Pod(podContext: """{"sysctls":[{"name":"kernel.msgmax","value":"1"},{"name":"net.ipv4.tcp_keepalive_time","value":"1"}]}"""), "forbidden sysctls (kernel.msgmax)" },
        { "baseline:v1.28", Pod(podContext: """{"sysctls":[{"name":"net.ipv4.tcp_keepalive_time","value":"1"}]}"""), "forbidden sysctls (net.ipv4.tcp_keepalive_time)" },
        { "restricted:latest", Pod(containerContext: """{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}"""), "" },
        { "restricted:latest", Pod(containerContext: """{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"],"add":["NET_RAW"]}}"""),
            "unrestricted capabilities (container \"a\" must not include \"NET_RAW\" in securityContext.capabilities.add)" },
        { "restricted:latest", Pod(containerContext: """{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"runAsUser":0}"""), "runAsUser=0 (container \"a\" must not set runAsUser=0)" },
        { "restricted:latest", Pod(podContext: """{"runAsNonRoot":false,"seccompProfile":{"type":"Localhost","localhostProfile":"p"}}"""),
            "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)" },
        { "restricted:latest", Pod(podContext: """{"runAsNonRoot":true,"seccompProfile":{"type":"Unconfined"}}"""),
            "seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")" },
        // A user-namespaced pod may run as root inside its namespace.
        { "restricted:latest", Pod(podContext: """{"runAsUser":0,"seccompProfile":{"type":"RuntimeDefault"}}""", extraSpec: """ "hostUsers":false, """), "" },
        // Before v1.22 restricted did not require dropping capabilities; before v1.23 it allowed runAsUser=0.
        { "restricted:v1.21", Pod(containerContext: """{"allowPrivilegeEscalation":false,"runAsUser":0}"""), "" },
        { "restricted:latest", """{"spec":{"initContainers":[{"name":"i","securityContext":{"privileged":true}}],"containers":[{"name":"a","securityContext":{"privileged":true}}]}}""",
            "privileged (containers \"i\", \"a\" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (containers \"i\", \"a\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (containers \"i\", \"a\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or containers \"i\", \"a\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or containers \"i\", \"a\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluate_GivesUpstreamsReasonsAndDetails(string policy, string podJson, string expected)
    {
        var pod = JsonNode.Parse(podJson)!.AsObject();

        var results = PodSecurityPolicy.Evaluate(Parse(policy), pod["metadata"] as JsonObject, pod["spec"] as JsonObject);

        Assert.Equal(expected, PodSecurityPolicy.ForbiddenDetail(results));
    }

    [Fact]
    public void ForbiddenReasons_ListsReasonsWithoutDetails()
    {
        var pod = JsonNode.Parse("""{"spec":{"hostPID":true,"containers":[{"name":"x","securityContext":{"privileged":true}}]}}""")!.AsObject();
        var results = PodSecurityPolicy.Evaluate(Parse("baseline:latest"), null, pod["spec"] as JsonObject);
        Assert.Equal("host namespaces, privileged", PodSecurityPolicy.ForbiddenReasons(results));
    }

    [Theory]
    [InlineData("restricted", null, "restricted:latest")]
    [InlineData("baseline", "v1.25", "baseline:v1.25")]
    [InlineData("privileged", "latest", "privileged:latest")]
    public void NamespacePolicy_ReadsLevelAndVersionLabels(string level, string? version, string expected)
    {
        var labels = new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = level };
        if (version is not null) labels["pod-security.kubernetes.io/enforce-version"] = version;

        var policy = NamespacePolicy.FromLabels(labels, out var errors);

        Assert.Empty(errors);
        Assert.Equal(expected, policy.Enforce.ToString());
        Assert.Equal("privileged:latest", policy.Warn.ToString());
    }

    [Theory]
    [InlineData("pod-security.kubernetes.io/enforce", "strict", "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted")]
    [InlineData("pod-security.kubernetes.io/warn-version", "1.25", "metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"1.25\": must be \"latest\" or \"v1.x\"")]
    [InlineData("pod-security.kubernetes.io/audit-version", "v1.025", "metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: \"v1.025\": must be \"latest\" or \"v1.x\"")]
    public void NamespacePolicy_InvalidLabel_IsAFieldError_AndFailsClosed(string key, string value, string expected)
    {
        var policy = NamespacePolicy.FromLabels(new Dictionary<string, string> { [key] = value }, out var errors);

        Assert.Equal(expected, Assert.Single(errors).ToString());
        var mode = key["pod-security.kubernetes.io/".Length..].Split('-')[0];
        var chosen = mode switch { "enforce" => policy.Enforce, "warn" => policy.Warn, _ => policy.Audit };
        Assert.Equal("restricted:latest", chosen.ToString());
    }

    [Fact]
    public void ExistingPodWarnings_GroupPodsBySharedReasons()
    {
        JsonObject P(string name, string spec) => JsonNode.Parse($$"""{"metadata":{"name":"{{name}}"},"spec":{{spec}}}""")!.AsObject();
        var pods = new[]
        {
            P("web-2", """{"containers":[{"name":"c","securityContext":{"privileged":true}}]}"""),
            P("web-1", """{"containers":[{"name":"c","securityContext":{"privileged":true}}]}"""),
            P("net", """{"hostNetwork":true,"containers":[{"name":"c"}]}"""),
            P("fine", """{"containers":[{"name":"c"}]}"""),
        };

        var warnings = PodSecurityAdmission.ExistingPodWarnings("team", Parse("baseline:latest"), pods);

        Assert.Equal(
        [
            "existing pods in namespace \"team\" violate the new PodSecurity enforce level \"baseline:latest\"",
            "net: host namespaces",
            "web-1 (and 1 other pod): privileged",
        ], warnings);
    }

    private static LevelVersion Parse(string text)
    {
        var parts = text.Split(':');
        return NamespacePolicy.FromLabels(new Dictionary<string, string>
        {
            ["pod-security.kubernetes.io/enforce"] = parts[0],
            ["pod-security.kubernetes.io/enforce-version"] = parts[1],
        }, out _).Enforce;
    }
}
