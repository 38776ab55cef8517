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
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template}})
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

    refused = kubectl("drain", NODE, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=7s", timeout=60)
    assert refused.returncode == 1
    assert refused.stdout.startswith(f"node/{NODE} cordoned\n"), refused.stdout
    assert "Warning: ignoring DaemonSet-managed Pods: kube-system/kube-proxy-abcde" in refused.stderr
    retry = ('error when evicting pods/"web-0" -n "default" (will retry after 5s): Cannot evict pod as it would '
             "violate the pod's disruption budget.")
    assert refused.stderr.count(retry) >= 2, refused.stderr
    assert 'error when evicting pods/"web-0" -n "default": global timeout reached: 7s' in refused.stderr
    assert kubectl.cluster.tracker.get("nodes", "", NODE)["spec"]["unschedulable"] is True
    assert kubectl.cluster.tracker.find("pods", "default", "web-0") is not None

    assert kubectl("delete", "pdb", "web").returncode == 0
    drained = kubectl("drain", NODE, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=30s", timeout=60)
    assert drained.returncode == 0, drained.stderr
    lines = drained.stdout.splitlines()  # kubectl evicts in parallel: the order within each stage varies
    assert (lines[0], lines[-1]) == (f"node/{NODE} already cordoned", f"node/{NODE} drained"), lines
    assert sorted(lines[1:3]) == ["evicting pod default/web-0", "evicting pod default/web-1"]
    assert sorted(lines[3:5]) == ["pod/web-0 evicted", "pod/web-1 evicted"]
    assert kubectl.cluster.tracker.find("pods", "default", "web-0") is None
    assert kubectl.cluster.tracker.find("pods", "kube-system", "kube-proxy-abcde") is not None
