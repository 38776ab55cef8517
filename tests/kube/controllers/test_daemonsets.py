"""The DaemonSet controller with AKS nodes and the scheduler: one pod per eligible node, pinned by node
affinity, the tolerations it adds, nodes that come and go, and a rolling update one node at a time."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver.kinds.apps import default_daemonset
from pullproof.kube.controllers.daemonsets import DAEMONSETS, DaemonSetController
from pullproof.kube.controllers.scheduler import Scheduler
from pullproof.kube.storage.clusters import Cluster
from pullproof.kube.storage.tracker import kube_time
from tests.conftest import Local
from tests.kube.controllers.support import add_node, open_cluster


def _daemonset(cluster: Cluster, **pod_spec: Any) -> None:
    body: dict[str, Any] = {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "default", "generation": 1,
                     "annotations": {"deprecated.daemonset.template.generation": "1"}},
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
                 "template": {"metadata": {"labels": {"app": "agent"}},
                              "spec": {"containers": [{"name": "agent", "image": "agent:1"}], **pod_spec}}}}
    default_daemonset(body)
    if cluster.tracker.find("serviceaccounts", "default", "default") is None:
        cluster.tracker.create("serviceaccounts", "default", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                              "metadata": {"name": "default"}})
    cluster.tracker.create(DAEMONSETS, "default", body)


def _pass(local: Local, cluster: Cluster) -> dict[str, dict[str, Any]]:
    DaemonSetController(cluster.tracker, local.clock, local.emulator.ids).reconcile()
    Scheduler(cluster.tracker, local.clock).reconcile()
    return {p["spec"].get("nodeName", ""): p for p in cluster.tracker.list("pods", "default")[0]
            if not p["metadata"].get("deletionTimestamp")}


def _ready(cluster: Cluster, now: float) -> None:
    for pod in cluster.tracker.list("pods", "default")[0]:
        if pod["status"].get("phase") != "Running":
            pod["status"]["phase"] = "Running"
            pod["status"]["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": kube_time(now)}]
            cluster.tracker.update("pods", "default", pod)


def test_one_pod_per_node_pinned_and_tolerant(local: Local) -> None:
    cluster = open_cluster(local)
    add_node(cluster, "aks-system-1-vmss000000", 0)
    add_node(cluster, "aks-user-2-vmss000000", 1, nodeTaints=["sku=gpu:NoSchedule"])
    _daemonset(cluster)
    pods = _pass(local, cluster)
    assert set(pods) == {"aks-system-1-vmss000000"}  # the tainted node is not tolerated
    pod = pods["aks-system-1-vmss000000"]
    terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms == {"nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                             "values": ["aks-system-1-vmss000000"]}]}]}
    assert [(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]] == [
        ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule")]
    assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
    status = cluster.tracker.get(DAEMONSETS, "default", "agent")["status"]
    assert (status["desiredNumberScheduled"], status["currentNumberScheduled"], status["numberReady"]) == (1, 1, 0)


def test_nodes_that_come_and_go_and_a_node_selector(local: Local) -> None:
    cluster = open_cluster(local)
    add_node(cluster, "aks-system-1-vmss000000", 0)
    _daemonset(cluster, nodeSelector={"kubernetes.io/os": "linux"})
    assert set(_pass(local, cluster)) == {"aks-system-1-vmss000000"}
    add_node(cluster, "aks-system-1-vmss000001", 1)
    assert set(_pass(local, cluster)) == {"aks-system-1-vmss000000", "aks-system-1-vmss000001"}
    cluster.tracker.delete("nodes", "", "aks-system-1-vmss000001")
    assert set(_pass(local, cluster)) == {"aks-system-1-vmss000000"}


def test_a_rolling_update_replaces_one_node_at_a_time(local: Local) -> None:
    cluster = open_cluster(local)
    for slot in range(3):
        add_node(cluster, f"aks-system-1-vmss00000{slot}", slot)
    _daemonset(cluster)
    _pass(local, cluster)
    _ready(cluster, local.clock.now())
    _pass(local, cluster)
    ds = cluster.tracker.get(DAEMONSETS, "default", "agent")
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2"
    ds["metadata"]["generation"] = 2
    cluster.tracker.update(DAEMONSETS, "default", ds)
    pods = _pass(local, cluster)
    assert len(pods) == 2  # one old pod deleted (maxUnavailable 1)
    images = [p["spec"]["containers"][0]["image"] for p in _pass(local, cluster).values()]
    assert sorted(images) == ["agent:1", "agent:1", "agent:2"]
    for _ in range(6):
        _ready(cluster, local.clock.now())
        pods = _pass(local, cluster)
    assert sorted(p["spec"]["containers"][0]["image"] for p in pods.values()) == ["agent:2"] * 3
    status = cluster.tracker.get(DAEMONSETS, "default", "agent")["status"]
    assert (status["updatedNumberScheduled"], status["numberAvailable"], status["observedGeneration"]) == (3, 3, 2)
