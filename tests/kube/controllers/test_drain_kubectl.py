"""The real kubectl 1.32's ``drain`` against the served emulator: it cordons the node, skips the
DaemonSet's pod with its warning, retries an eviction a PodDisruptionBudget refuses (429) every 5 s
until its timeout, and evicts once nothing stands in the way; ``get``/``describe pdb`` show the budget."""

from __future__ import annotations

from typing import Any

from pullproof.aks.nodebody import node_body
from pullproof.kube.controllers.disruption import ready
from pullproof.registry.loader import read_image, store_image
from tests.kube import test_kubectl as base
from tests.kube.controllers.support import RESOURCE
from tests.registry.layouts import oci_layout

server = base.server
kubectl = base.kubectl
NODE = "aks-nodepool1-12345678-vmss000000"
PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 3
  selector:
    matchLabels:
      app: web
"""


def _owned(k: base.Kubectl, namespace: str, name: str, owner: dict[str, Any]) -> None:
    meta = {"name": name, "namespace": namespace, "labels": {"app": owner["metadata"]["name"]},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner["kind"], "name": owner["metadata"]["name"],
                                 "uid": owner["metadata"]["uid"], "controller": True}]}
    k.cluster.tracker.create("pods", namespace, {
        "apiVersion": "v1", "kind": "Pod", "metadata": meta,
        "spec": {"nodeName": NODE, "terminationGracePeriodSeconds": 0,
                 "containers": [{"name": "app", "image": "mcr.microsoft.com/oss/kubernetes/pause:3.6"}]},
        "status": {"phase": "Pending"}})


def _workloads(k: base.Kubectl) -> None:
    """A node running two StatefulSet pods and a DaemonSet's, the image they run loaded in MCR."""
    e = k.server.emulator
    oci_layout(k.home / "pause")
    store_image(read_image(k.home / "pause"), "mcr.microsoft.com", "oss/kubernetes/pause", "3.6",
                e.content, e.registry_store, e.clock)
    tracker = k.cluster.tracker
    tracker.create("nodes", "", node_body(NODE, 0, 0, {"name": "nodepool1"}, RESOURCE, "2026-01-01T00:00:00Z"))
    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "mcr.microsoft.com/oss/kubernetes/pause:3.6"}]}}
    daemon = tracker.create("daemonsets.apps", "kube-system", {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
        "spec": {"selector": {"matchLabels": {"app": "kube-proxy"}}, "template": template}})
    _owned(k, "kube-system", "kube-proxy-abcde", daemon)
    replicas = tracker.create("statefulsets.apps", "default", {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "namespace": "default"},
        # OnDelete: the controller keeps the pods made here rather than rolling them to its own revision
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template,
                 "updateStrategy": {"type": "OnDelete"}}})
    _owned(k, "default", "web-0", replicas)
    _owned(k, "default", "web-1", replicas)
    base.until(lambda: all(ready(p) for p in tracker.scan("pods")), "the pods to run")


def test_drain_retries_a_refused_eviction_then_evicts(kubectl: base.Kubectl) -> None:
    _workloads(kubectl)
    (kubectl.home / "pdb.yaml").write_text(PDB)
    assert kubectl("apply", "-f", "pdb.yaml").stdout == "poddisruptionbudget.policy/web created\n"
    base.until(lambda: (kubectl.cluster.tracker.get("poddisruptionbudgets.policy", "default", "web")
                        .get("status") or {}).get("observedGeneration") == 1, "the budget's status")
    listed = kubectl("get", "pdb").stdout.splitlines()
    assert listed[0].split() == ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS", "AGE"]
    assert listed[1].split()[:4] == ["web", "3", "N/A", "0"]
    described = kubectl("describe", "pdb", "web").stdout
    assert "Min available:  3\nSelector:       app=web\n" in described, described
    assert "Allowed disruptions:  0" in described and "Desired:              3" in described, described

    refused = kubectl("drain", NODE, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=12s", timeout=60)
    assert refused.returncode == 1
    assert refused.stdout.startswith(f"node/{NODE} cordoned\n"), refused.stdout
    daemon_pod = _daemon_pod(kubectl)
    assert f"Warning: ignoring DaemonSet-managed Pods: kube-system/{daemon_pod}" in refused.stderr
    retry = ('error when evicting pods/"web-0" -n "default" (will retry after 5s): Cannot evict pod as it would '
             "violate the pod's disruption budget.")
    # kubectl evicts both pods at once and retries each refusal 5 s later: in 12 s each is refused 2 or 3 times
    assert refused.stderr.count(retry) >= 2, refused.stderr
    assert 'error when evicting pods/"web-0" -n "default": global timeout reached: 12s' in refused.stderr
    assert kubectl.cluster.tracker.get("nodes", "", NODE)["spec"]["unschedulable"] is True
    assert kubectl.cluster.tracker.find("pods", "default", "web-0") is not None

    assert kubectl("delete", "pdb", "web").returncode == 0
    drained = kubectl("drain", NODE, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=30s", timeout=60)
    assert drained.returncode == 0, drained.stderr
    lines = drained.stdout.splitlines()  # kubectl evicts in parallel: the order within each stage varies
    assert (lines[0], lines[-1]) == (f"node/{NODE} already cordoned", f"node/{NODE} drained"), lines
    assert sorted(lines[1:3]) == ["evicting pod default/web-0", "evicting pod default/web-1"]
    assert sorted(lines[3:5]) == ["pod/web-0 evicted", "pod/web-1 evicted"]
    # the StatefulSet controller may already have made web-0 again: Pending, since the node is cordoned
    again = kubectl.cluster.tracker.find("pods", "default", "web-0")
    assert again is None or not again["spec"].get("nodeName"), again
    assert kubectl.cluster.tracker.find("pods", "kube-system", daemon_pod) is not None


def _daemon_pod(k: base.Kubectl) -> str:
    """The DaemonSet controller's pod on the node (it replaces a hand-made one with its own)."""
    pods = [p["metadata"]["name"] for p in k.cluster.tracker.scan("pods", "kube-system")
            if p["metadata"]["name"].startswith("kube-proxy-")]
    assert len(pods) == 1, pods
    return str(pods[0])


MANIFESTS = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
  - host: web.contoso.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
spec:
  podSelector:
    matchLabels:
      app: db
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: readers
subjects:
- kind: User
  name: alice@contoso.com
roleRef:
  kind: Role
  name: reader
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  maxReplicas: 4
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 25%
  selector:
    matchLabels:
      app: web
"""


def test_get_the_policy_kinds_across_namespaces(kubectl: base.Kubectl) -> None:
    (kubectl.home / "all.yaml").write_text(MANIFESTS)
    applied = kubectl("apply", "-f", "all.yaml")
    assert applied.returncode == 0, applied.stderr
    tracker = kubectl.cluster.tracker
    tracker.create("nodes", "", node_body(NODE, 0, 0, {"name": "nodepool1"}, RESOURCE, "2026-01-01T00:00:00Z"))
    base.until(lambda: tracker.find("leases.coordination.k8s.io", "kube-node-lease", NODE) is not None, "a lease")
    shown = kubectl("get", "pdb,ing,netpol,roles,clusterroles,leases", "-A")
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE" in text, text
    rows = {tuple(line.split()[:3]) for line in text.splitlines()}
    assert ("default", "poddisruptionbudget.policy/web", "N/A") in rows
    assert ("default", "ingress.networking.k8s.io/web", "<none>") in rows
    assert ("default", "networkpolicy.networking.k8s.io/db", "app=db") in rows
    assert ("default", "role.rbac.authorization.k8s.io/reader") in {r[:2] for r in rows}
    assert ("clusterrole.rbac.authorization.k8s.io/cluster-admin",) in {r[:1] for r in rows}
    assert ("kube-node-lease", f"lease.coordination.k8s.io/{NODE}", NODE) in rows
    wide = kubectl("get", "rolebindings", "-o", "wide").stdout.splitlines()
    assert wide[0].split() == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    assert wide[1].split()[:2] == ["readers", "Role/reader"] and wide[1].split()[3] == "alice@contoso.com"
    hpa = kubectl("get", "hpa").stdout.splitlines()
    assert hpa[0].split() == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    assert hpa[1].split()[:7] == ["web", "Deployment/web", "cpu:", "<unknown>/80%", "1", "4", "0"]


def test_the_official_python_client_lists_reads_and_watches_each_kind(kubectl: base.Kubectl) -> None:
    from kubernetes import client as k8s
    from kubernetes import watch

    (kubectl.home / "all.yaml").write_text(MANIFESTS)
    assert kubectl("apply", "-f", "all.yaml").returncode == 0
    host = kubectl.kubeconfig.read_text().split("server: ")[1].split("\n")[0]
    config = k8s.Configuration(host=host, api_key={"authorization": "Bearer tok"})
    config.proxy = kubectl.server.proxy
    config.ssl_ca_cert = str(kubectl.server.emulator.ca.cert_path)
    with k8s.ApiClient(config) as client:
        policy, net = k8s.PolicyV1Api(client), k8s.NetworkingV1Api(client)
        rbac, sched = k8s.RbacAuthorizationV1Api(client), k8s.SchedulingV1Api(client)
        storage, coord = k8s.StorageV1Api(client), k8s.CoordinationV1Api(client)
        auto, events = k8s.AutoscalingV2Api(client), k8s.EventsV1Api(client)
        assert policy.read_namespaced_pod_disruption_budget("web", "default").spec.max_unavailable == "25%"
        assert net.read_namespaced_ingress("web", "default").spec.rules[0].host == "web.contoso.com"
        assert net.read_namespaced_network_policy("db", "default").spec.policy_types == ["Ingress"]
        assert rbac.read_namespaced_role_binding("readers", "default").role_ref.name == "reader"
        assert rbac.read_cluster_role("cluster-admin").rules[0].verbs == ["*"]
        assert rbac.read_cluster_role_binding("cluster-admin").subjects[0].name == "system:masters"
        assert sched.read_priority_class("system-node-critical").value == 2000001000
        assert auto.read_namespaced_horizontal_pod_autoscaler("web", "default").spec.max_replicas == 4
        listings = [policy.list_pod_disruption_budget_for_all_namespaces, net.list_ingress_for_all_namespaces,
                    net.list_network_policy_for_all_namespaces, net.list_ingress_class,
                    rbac.list_role_for_all_namespaces,
                    rbac.list_cluster_role, rbac.list_role_binding_for_all_namespaces, rbac.list_cluster_role_binding,
                    sched.list_priority_class, storage.list_csi_driver, coord.list_lease_for_all_namespaces,
                    auto.list_horizontal_pod_autoscaler_for_all_namespaces]
        # events.k8s.io Events are the core Events seen through another version: the kubelet's have no eventTime,
        # which the client's model refuses (as against a real cluster); tests/kube/test_views_clients.py reads them
        assert events.list_event_for_all_namespaces(_preload_content=False).status == 200
        counts = {f.__name__: len(f().items) for f in listings}
        assert counts["list_csi_driver"] == 2 and counts["list_priority_class"] == 2, counts
        assert counts["list_role_for_all_namespaces"] == 1 and counts["list_ingress_class"] == 0, counts
        for listing in listings:
            seen = list(watch.Watch().stream(listing, timeout_seconds=1))  # the controllers may modify meanwhile
            assert sum(e["type"] == "ADDED" for e in seen) == counts[listing.__name__], listing.__name__
            assert all(e["type"] in ("ADDED", "MODIFIED") and not isinstance(e["object"], dict) for e in seen)
