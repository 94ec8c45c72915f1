#!/usr/bin/python3
"""Drives a Bosun API server with the official Kubernetes Python client (Debian's python3-kubernetes).

Usage: client_smoke.py KUBECONFIG NAMESPACE
Exits non-zero with a message on the first failed check; prints one line per check that passed.
"""
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok:", message)


def main(kubeconfig, ns):
    config.load_kube_config(config_file=kubeconfig)
    core = client.CoreV1Api()
    apps = client.AppsV1Api()

    check(client.VersionApi().get_code().minor == "32", "server reports minor version 32")
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
    check(any(n.metadata.name == ns for n in core.list_namespace().items), "namespace created and listed")

    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name="py-pod", labels={"app": "myapp", "tier": "frontend"}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="myapp", image="ikubernetes/myapp:v1")]),
    )
    created = core.create_namespaced_pod(ns, pod)
    check(created.metadata.uid and created.metadata.resource_version, "pod created with uid and resourceVersion")
    check(created.status.phase == "Pending", "new pod is Pending")

    try:
        core.create_namespaced_pod(ns, pod)
        check(False, "creating an existing pod fails")
    except ApiException as e:
        check(e.status == 409 and "already exists" in e.body, "creating an existing pod gives 409 AlreadyExists")

    selected = core.list_namespaced_pod(ns, label_selector="app in (myapp,other),tier!=backend")
    check([p.metadata.name for p in selected.items] == ["py-pod"], "set-based and inequality label selectors")
    check(core.list_namespaced_pod(ns, label_selector="app=nope").items == [], "non-matching selector lists nothing")
    by_field = core.list_namespaced_pod(ns, field_selector="metadata.name=py-pod,status.phase=Pending")
    check(len(by_field.items) == 1, "field selector on name and phase")

    events = []
    start_rv = core.list_namespaced_pod(ns).metadata.resource_version
    w = watch.Watch()

    def collect():
        # watch=True arrives as "True": the server parses booleans like Go's strconv.ParseBool.
        for e in w.stream(core.list_namespaced_pod, ns, resource_version=start_rv, timeout_seconds=20):
            labels = e["object"].metadata.labels or {}
            events.append((e["type"], e["object"].metadata.name, labels.get("release")))
            if e["type"] == "DELETED":
                w.stop()

    t = threading.Thread(target=collect)
    t.start()
    core.patch_namespaced_pod("py-pod", ns, {"metadata": {"labels": {"release": "canary"}}})
    core.delete_namespaced_pod("py-pod", ns)
    t.join(timeout=30)
    # The scheduler may also write the pod's status in between; what matters is the order of our own changes.
    check(events and events[-1][:2] == ("DELETED", "py-pod"), "watch from a resourceVersion ends with DELETED")
    check(all(t == "MODIFIED" for t, _, _ in events[:-1]), "every earlier event is a MODIFIED")
    check(any(r == "canary" for _, _, r in events), "the label change arrives as a MODIFIED event")

    cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm"), data={"a": "1"})
    core.create_namespaced_config_map(ns, cm)
    got = core.read_namespaced_config_map("py-cm", ns)
    got.data["a"] = "2"
    core.replace_namespaced_config_map("py-cm", ns, got)
    got.data["a"] = "3"
    try:
        core.replace_namespaced_config_map("py-cm", ns, got)
        check(False, "a replace with a stale resourceVersion fails")
    except ApiException as e:
        check(e.status == 409 and "the object has been modified" in e.body, "stale replace gives 409 Conflict")

    try:
        apps.read_namespaced_deployment("missing", ns)
        check(False, "reading a missing deployment fails")
    except ApiException as e:
        check(e.status == 404 and 'deployments.apps \\"missing\\" not found' in e.body, "missing deployment gives 404 NotFound")

    core.delete_namespace(ns)
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
