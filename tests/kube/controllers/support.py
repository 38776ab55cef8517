"""Helpers for controller tests: a cluster in the ``local`` emulator, AKS nodes and bare pods in it."""

from __future__ import annotations

from typing import Any

from pullproof.aks.nodebody import node_body
from pullproof.kube.storage.clusters import Cluster
from tests.conftest import Local

RESOURCE = {"id": "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c",
            "location": "eastus", "properties": {"nodeResourceGroup": "MC_rg_c_eastus"}}


def open_cluster(local: Local) -> Cluster:
    return local.emulator.clusters.open(str(RESOURCE["id"]), "c-abcd1234.hcp.eastus.azmk8s.io", {}, "1.32.4")


def add_node(cluster: Cluster, name: str, slot: int, **pool: Any) -> dict[str, Any]:
    body = node_body(name, slot, slot, {"name": name.split("-")[1], **pool}, RESOURCE, "2026-01-01T00:00:00Z")
    return cluster.tracker.create("nodes", "", body)


def add_pod(cluster: Cluster, name: str, created: str = "2026-01-01T00:00:00Z", **spec: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "nginx:1.27"}
    if "requests" in spec:
        container["resources"] = {"requests": spec.pop("requests")}
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "creationTimestamp": created},
            "spec": {"containers": [container], "schedulerName": "default-scheduler", **spec},
            "status": {"phase": "Pending"}}
    return cluster.tracker.create("pods", "default", body)


def pod(cluster: Cluster, name: str) -> dict[str, Any]:
    return cluster.tracker.get("pods", "default", name)


def scheduled(cluster: Cluster, name: str) -> dict[str, Any]:
    return next(c for c in pod(cluster, name)["status"]["conditions"] if c["type"] == "PodScheduled")


def events(cluster: Cluster, name: str) -> list[tuple[str, str, str, int]]:
    return [(e["type"], e["reason"], e["message"], e["count"]) for e in cluster.tracker.list("events", "default")[0]
            if e["involvedObject"]["name"] == name]
