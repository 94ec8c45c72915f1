using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Patch;
using k8s.Models;

namespace Bosun.Bench;

/// <summary>
/// Strategic merge patch speed on a Deployment as kube stores it, with the patch <c>kubectl set image</c> sends; the
/// target is a median of at most 50 µs per patch in-process. Reports the patch alone (on an already copied object, as
/// the store hands it over) and the whole mutation including parsing the patch body and copying the object.
/// </summary>
internal static class StrategicMergeBenchmark
{
    // Small batches: the copies made up front stay alive during the timed loop, and a large live set would make any
    // collection triggered there measure the garbage collector rather than the patch.
    private const int Batch = 100;

    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"myapp","namespace":"default","uid":"9a0f6a4e-7f53-4c39-8d1e-0f3a1c1f5b11","resourceVersion":"12345","generation":3,
          "creationTimestamp":"2026-01-01T00:00:00Z","labels":{"app":"myapp","tier":"web"},
          "annotations":{"deployment.kubernetes.io/revision":"3","kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"myapp\"},\"name\":\"myapp\",\"namespace\":\"default\"},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"myapp\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"myapp\"}},\"spec\":{\"containers\":[{\"image\":\"myapp:v1\",\"name\":\"myapp\",\"ports\":[{\"containerPort\":8080}]}]}}}}\n"},
          "managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"apps/v1","time":"2026-01-01T00:00:00Z","fieldsType":"FieldsV1",
            "fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},
              "f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},
              "f:spec":{"f:containers":{"k:{\"name\":\"myapp\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}}]},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"myapp"}},"progressDeadlineSeconds":600,"revisionHistoryLimit":10,
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
          "template":{"metadata":{"labels":{"app":"myapp"}},
           "spec":{"containers":[
             {"name":"myapp","image":"myapp:v1","imagePullPolicy":"IfNotPresent","ports":[{"containerPort":8080,"protocol":"TCP"},{"containerPort":9090,"name":"metrics","protocol":"TCP"}],
              "env":[{"name":"MODE","value":"prod"},{"name":"LOG_LEVEL","value":"info"},{"name":"POD_IP","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"status.podIP"}}}],
              "resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},
              "readinessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"periodSeconds":10,"timeoutSeconds":1,"successThreshold":1,"failureThreshold":3},
              "volumeMounts":[{"name":"config","mountPath":"/etc/myapp"}],
              "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"},
             {"name":"sidecar","image":"envoy:1.30","ports":[{"containerPort":15001,"protocol":"TCP"}],"resources":{},
              "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
            "volumes":[{"name":"config","configMap":{"name":"myapp-config","defaultMode":420}}],
            "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}}},
         "status":{"observedGeneration":3,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3,
          "conditions":[{"type":"Available","status":"True","lastUpdateTime":"2026-01-01T00:00:00Z","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."},
                        {"type":"Progressing","status":"True","lastUpdateTime":"2026-01-01T00:00:00Z","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"NewReplicaSetAvailable","message":"ReplicaSet \"myapp-5d4f8\" has successfully progressed."}]}}
        """;

    private const string SetImagePatch =
        """{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"myapp"},{"name":"sidecar"}],"containers":[{"image":"myapp:v2","name":"myapp"}]}}}}""";

    public static Task RunAsync(TimeSpan duration)
    {
        var original = JsonNode.Parse(Deployment)!.AsObject();
        var patchBytes = Encoding.UTF8.GetBytes(SetImagePatch);
        var patch = JsonNode.Parse(patchBytes)!.AsObject();

        var check = StrategicMergePatch.Apply(original.DeepClone().AsObject(), patch, typeof(V1Deployment));
        if (check["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>() != "myapp:v2")
            throw new InvalidOperationException("the benchmark patch did not apply");

        var applyOnly = new List<double>();
        var whole = new List<double>();
        var ownership = new List<double>();
        var reg = Bosun.ApiServer.Registry.Kinds.BuiltInKinds.Create().Single(r => r.Resource == "deployments" && r.Group == "apps");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration || applyOnly.Count < 5)
        {
            // The store hands the patch a copy it owns, so copies are made outside the timed loop here.
            var copies = new JsonObject[Batch];
            for (var i = 0; i < Batch; i++) copies[i] = original.DeepClone().AsObject();
            GC.Collect();
            var t = Stopwatch.GetTimestamp();
            for (var i = 0; i < Batch; i++) StrategicMergePatch.Apply(copies[i], patch, typeof(V1Deployment));
            applyOnly.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds / Batch);

            t = Stopwatch.GetTimestamp();
            for (var i = 0; i < Batch; i++)
            {
                var p = JsonNode.Parse(patchBytes)!.AsObject();
                StrategicMergePatch.Apply(original.DeepClone().AsObject(), p, typeof(V1Deployment));
            }
            whole.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds / Batch);

            // The Update ownership every non-apply write records on top (compare old and new, rewrite managedFields).
            var patched = StrategicMergePatch.Apply(original.DeepClone().AsObject(), patch, typeof(V1Deployment));
            var targets = new JsonObject[Batch];
            for (var i = 0; i < Batch; i++) targets[i] = patched.DeepClone().AsObject();
            GC.Collect();
            t = Stopwatch.GetTimestamp();
            for (var i = 0; i < Batch; i++) ManagedFields.RecordUpdate(original, targets[i], "kubectl-set", reg, null, DateTimeOffset.UtcNow);
            ownership.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds / Batch);
        }
        Console.WriteLine($"strategic merge patch, kubectl set image on a Deployment ({applyOnly.Count} batches of {Batch}):");
        Console.WriteLine($"  apply on a copied object       median {Median(applyOnly),8:F2} µs");
        Console.WriteLine($"  parse patch + copy + apply     median {Median(whole),8:F2} µs");
        Console.WriteLine($"  managedFields Update entry      median {Median(ownership),8:F2} µs (extra, per write with a fieldManager)");
        Console.WriteLine($"  target: ≤ 50 µs median -> {(Median(applyOnly) <= 50 ? "met" : "NOT met")}");
        return Task.CompletedTask;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
