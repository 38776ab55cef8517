"""Pods bound to a node that is gone are marked Failed and deleted; their ReplicaSet replaces them."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.kube.controllers.podgc import PodGarbageCollector
from tests.aks.support import cluster_of, create_cluster, deploy, pods, step
from tests.conftest import Local
from tests.kube.controllers.support import add_node, add_pod, open_cluster

POOL = {"name": "nodepool1", "count": 1, "vmSize": "", "mode": "System", "osType": "Linux"}


def test_scaling_a_pool_down_drains_the_removed_node_and_its_pods_move_to_the_nodes_left(local: Local) -> None:
    """AKS cordons and drains a node before it deletes the VM: its pods are evicted at once, not left to
    the pod GC's 40 s quarantine."""
    resource = create_cluster(local, "aks-gc")
    cluster = cluster_of(local, resource)
    deploy(cluster, "web", "mcr.microsoft.com/azuredocs/aks-helloworld:v1", replicas=2)
    step(local)
    before = {p["metadata"]["name"]: p["spec"]["nodeName"] for p in pods(cluster, "web")}
    assert len(set(before.values())) == 2  # spread over both nodes
    create_cluster(local, "aks-gc", properties={"dnsPrefix": "aks-gc", "kubernetesVersion": "",
                                                "agentPoolProfiles": [POOL]})
    step(local, 1)
    (node,) = [n["metadata"]["name"] for n in cluster.tracker.list("nodes")[0]]
    after = {p["metadata"]["name"]: p["spec"].get("nodeName") for p in pods(cluster, "web")}
    assert len(after) == 2 and set(after.values()) == {node}
    assert len(set(after) - set(before)) == 1  # the orphan was replaced, the other pod kept


def test_an_orphan_is_marked_failed_then_deleted_and_others_are_left(local: Local,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = open_cluster(local)
    add_node(cluster, "aks-pool-10000000-vmss000000", 0)
    add_pod(cluster, "kept", nodeName="aks-pool-10000000-vmss000000")
    add_pod(cluster, "orphan", nodeName="aks-pool-10000000-vmss000009")
    add_pod(cluster, "pending")
    written: list[dict[str, Any]] = []
    update = cluster.tracker.update

    def spy(resource: str, namespace: str, obj: dict[str, Any], check_version: bool = True) -> dict[str, Any]:
        written.append(obj)
        return update(resource, namespace, obj, check_version)

    monkeypatch.setattr(cluster.tracker, "update", spy)
    collector = PodGarbageCollector(cluster.tracker, local.clock)
    collector.reconcile()
    local.clock.advance(39)
    collector.reconcile()
    assert (written, len(cluster.tracker.list("pods", "default")[0])) == ([], 3)  # quarantined, not yet deleted
    local.clock.advance(1)
    collector.reconcile()
    assert sorted(p["metadata"]["name"] for p in cluster.tracker.list("pods", "default")[0]) == ["kept", "pending"]
    (failed,) = written
    assert failed["metadata"]["name"] == "orphan" and failed["status"]["phase"] == "Failed"
    assert [(c["type"], c["reason"], c["message"]) for c in failed["status"]["conditions"]] == [
        ("DisruptionTarget", "DeletionByPodGC", "PodGC: node no longer exists")]
