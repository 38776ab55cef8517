"""The scheduler filters as kube-scheduler 1.32 (cordon, taints, node selector, required node affinity,
cpu/memory/pods), scores by least allocation, and says why a pod stays Pending in its words."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.kube.controllers.scheduler import Scheduler
from tests.conftest import Local
from tests.kube.controllers.support import add_node, add_pod, events, open_cluster, pod, scheduled

A, B = "aks-system-10000000-vmss000000", "aks-user-20000000-vmss000000"
NOT_HELPFUL = "Preemption is not helpful for scheduling"


def _run(local: Local, nodes: dict[str, dict[str, Any]], **spec: Any) -> tuple[str | None, dict[str, Any]]:
    """Nodes A and B (each with the given node changes), one pod; where it went and its PodScheduled."""
    cluster = open_cluster(local)
    for slot, name in enumerate((A, B)):
        mode = {"mode": "User"} if name == B else {}
        node = add_node(cluster, name, slot, **mode, **nodes.get(name, {}).get("pool", {}))
        node["spec"].update(nodes.get(name, {}).get("spec", {}))
        node["metadata"]["labels"].update(nodes.get(name, {}).get("labels", {}))
        cluster.tracker.update("nodes", "", node, check_version=False)
    add_pod(cluster, "web", **spec)
    Scheduler(cluster.tracker, local.clock).reconcile()
    return pod(cluster, "web")["spec"].get("nodeName"), scheduled(cluster, "web")


def _message(reasons: str, preemption: str) -> str:
    return f"0/2 nodes are available: {reasons}. preemption: 0/2 nodes are available: {preemption}."


CORDON = {A: {"spec": {"unschedulable": True}}}
TAINT = {A: {"pool": {"nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"]}}}
ZONE = {A: {"labels": {"tier": "gold", "gen": "5"}}, B: {"labels": {"tier": "silver", "gen": "3"}}}


def _affinity(*expressions: dict[str, Any]) -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": list(expressions)}]}}}


@pytest.mark.parametrize(("nodes", "spec", "node"), [
    (CORDON, {}, B),
    (CORDON, {"tolerations": [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                               "effect": "NoSchedule"}]}, A),
    (TAINT, {}, B),
    (TAINT, {"tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}]}, A),
    (TAINT, {"tolerations": [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NoSchedule"}]}, A),
    (TAINT, {"tolerations": [{"key": "CriticalAddonsOnly", "value": "false"}]}, B),
    (ZONE, {"nodeSelector": {"tier": "silver"}}, B),
    (ZONE, {"affinity": _affinity({"key": "tier", "operator": "In", "values": ["gold"]})}, A),
    (ZONE, {"affinity": _affinity({"key": "tier", "operator": "NotIn", "values": ["gold"]})}, B),
    (ZONE, {"affinity": _affinity({"key": "gen", "operator": "Gt", "values": ["4"]})}, A),
    (ZONE, {"affinity": _affinity({"key": "gen", "operator": "Lt", "values": ["4"]})}, B),
    (ZONE, {"affinity": _affinity({"key": "tier", "operator": "Exists"},
                                  {"key": "kubernetes.azure.com/mode", "operator": "In", "values": ["user"]})}, B),
    ({B: {"labels": {"spot": "yes"}}}, {"affinity": _affinity({"key": "spot", "operator": "DoesNotExist"})}, A),
], ids=["cordon", "cordon-tolerated", "taint", "taint-exists", "taint-equal", "taint-other-value", "selector",
        "in", "notin", "gt", "lt", "exists-and-in", "doesnotexist"])
def test_each_filter_steers_the_pod(local: Local, nodes: dict[str, Any], spec: dict[str, Any], node: str) -> None:
    bound, condition = _run(local, nodes, **spec)
    assert (bound, condition["status"]) == (node, "True")


@pytest.mark.parametrize(("nodes", "spec", "message"), [
    ({A: {"spec": {"unschedulable": True}}, B: {"labels": {"tier": "silver"}}}, {"nodeSelector": {"tier": "gold"}},
     _message("1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable", f"2 {NOT_HELPFUL}")),
    ({**TAINT, B: {"spec": {"unschedulable": True}}}, {},
     _message("1 node(s) had untolerated taint {CriticalAddonsOnly: true}, 1 node(s) were unschedulable",
              f"2 {NOT_HELPFUL}")),
    ({}, {"requests": {"cpu": "2", "memory": "64Mi"}},
     _message("2 Insufficient cpu", "2 No preemption victims found for incoming pod")),
    ({}, {"requests": {"cpu": "1500m", "memory": "6Gi"}},
     _message("2 Insufficient memory", "2 No preemption victims found for incoming pod")),
    (CORDON, {"requests": {"cpu": "3", "memory": "6Gi"}},
     _message("1 Insufficient cpu, 1 Insufficient memory, 1 node(s) were unschedulable",
              f"1 No preemption victims found for incoming pod, 1 {NOT_HELPFUL}")),
    ({}, {"affinity": _affinity()}, _message("2 node(s) didn't match Pod's node affinity/selector",
                                             f"2 {NOT_HELPFUL}")),
], ids=["cordon-and-selector", "taint-and-cordon", "cpu", "memory", "mixed", "empty-term"])
def test_an_unschedulable_pod_says_why(local: Local, nodes: dict[str, Any], spec: dict[str, Any],
                                       message: str) -> None:
    bound, condition = _run(local, nodes, **spec)
    assert bound is None
    assert (condition["status"], condition["reason"], condition["message"]) == ("False", "Unschedulable", message)


def test_the_failed_scheduling_event_is_written_once_per_verdict_and_retried_after_five_minutes(
        local: Local) -> None:
    cluster = open_cluster(local)
    add_node(cluster, A, 0)
    add_pod(cluster, "big", requests={"cpu": "4"})
    scheduler = Scheduler(cluster.tracker, local.clock)
    scheduler.reconcile()
    scheduler.reconcile()
    text = ("0/1 nodes are available: 1 Insufficient cpu. "
            "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
    assert events(cluster, "big") == [("Warning", "FailedScheduling", text, 1)]
    local.clock.advance(300)
    scheduler.reconcile()
    assert events(cluster, "big") == [("Warning", "FailedScheduling", text, 2)]
    add_node(cluster, B, 1, vmSize="Standard_D8s_v5")
    scheduler.reconcile()
    assert pod(cluster, "big")["spec"]["nodeName"] == B
    assert events(cluster, "big")[-1] == ("Normal", "Scheduled", f"Successfully assigned default/big to {B}", 1)
    assert scheduled(cluster, "big")["status"] == "True"


def test_requests_of_bound_pods_use_up_a_node_and_too_many_pods(local: Local) -> None:
    cluster = open_cluster(local)
    add_node(cluster, A, 0, maxPods=2)
    add_pod(cluster, "one", requests={"cpu": "1", "memory": "1Gi"})
    add_pod(cluster, "two", "2026-01-01T00:00:01Z", requests={"cpu": "1", "memory": "1Gi"})
    add_pod(cluster, "three", "2026-01-01T00:00:02Z")
    add_pod(cluster, "four", "2026-01-01T00:00:03Z")
    Scheduler(cluster.tracker, local.clock).reconcile()
    assert [pod(cluster, n)["spec"].get("nodeName") for n in ("one", "two", "three", "four")] == [A, None, A, None]
    assert scheduled(cluster, "two")["message"].startswith("0/1 nodes are available: 1 Insufficient cpu.")
    assert scheduled(cluster, "four")["message"] == (
        "0/1 nodes are available: 1 Too many pods. "
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")


def test_scores_prefer_the_least_allocated_node_then_the_name(local: Local) -> None:
    cluster = open_cluster(local)
    add_node(cluster, A, 0)
    add_node(cluster, B, 1)
    add_pod(cluster, "first", requests={"cpu": "500m", "memory": "512Mi"})
    add_pod(cluster, "second", "2026-01-01T00:00:01Z", requests={"cpu": "100m", "memory": "128Mi"})
    add_pod(cluster, "third", "2026-01-01T00:00:02Z", requests={"cpu": "100m", "memory": "128Mi"})
    Scheduler(cluster.tracker, local.clock).reconcile()
    assert [pod(cluster, n)["spec"]["nodeName"] for n in ("first", "second", "third")] == [A, B, B]
