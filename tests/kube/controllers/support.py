"""Helpers for controller tests: a cluster in the ``local`` emulator with AKS nodes and bare pods (the
scheduler's tests), and the deployment and replica-set controllers in-process on a manual clock, with pods
made Ready by hand (the kubelet's part), so each reconcile step can be observed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pullproof.aks.nodebody import node_body
from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.core.sealing import Sealer
from pullproof.db.engine import Database
from pullproof.kube.controllers.deployments import DeploymentController
from pullproof.kube.controllers.replicasets import DEPLOYMENTS, REPLICASETS, ReplicaSetController
from pullproof.kube.storage.clusters import Cluster
from pullproof.kube.storage.store import KubeStore
from pullproof.kube.storage.tracker import Tracker, kube_time
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


REVISION = "deployment.kubernetes.io/revision"


@dataclass
class Harness:
    tracker: Tracker
    clock: ManualClock
    deployments: DeploymentController
    replicasets: ReplicaSetController

    def create(self, name: str = "web", replicas: int = 4, strategy: dict[str, Any] | None = None,
               **spec: Any) -> dict[str, Any]:
        body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "generation": 1},
                "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                         "progressDeadlineSeconds": 600, "revisionHistoryLimit": 10, "minReadySeconds": 0,
                         "strategy": strategy or {"type": "RollingUpdate",
                                                  "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                         "template": {"metadata": {"labels": {"app": name}},
                                      "spec": {"containers": [{"name": name, "image": "nginx:1"}]}}, **spec}}
        return self.tracker.create(DEPLOYMENTS, "default", body)

    def deployment(self, name: str = "web") -> dict[str, Any]:
        return self.tracker.get(DEPLOYMENTS, "default", name)

    def edit(self, name: str = "web", annotations: dict[str, str] | None = None, **template_spec: Any) -> None:
        """A spec change as the API server stores it (generation + 1)."""
        d = self.deployment(name)
        d["spec"]["template"]["spec"]["containers"][0].update(template_spec)
        d["metadata"].setdefault("annotations", {}).update(annotations or {})
        d["metadata"]["generation"] += 1
        self.tracker.update(DEPLOYMENTS, "default", d)

    def set_spec(self, name: str = "web", **spec: Any) -> None:
        d = self.deployment(name)
        d["spec"].update(spec)
        d["metadata"]["generation"] += 1
        self.tracker.update(DEPLOYMENTS, "default", d)

    def sync(self) -> None:
        """One deployment-controller pass, then one replica-set-controller pass."""
        self.deployments.reconcile()
        self.replicasets.reconcile()

    def sets(self) -> dict[str, dict[str, Any]]:
        """The ReplicaSets by their pods' image."""
        return {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs
                for rs in self.tracker.list(REPLICASETS, "default")[0]}

    def sizes(self) -> dict[str, int]:
        return {image: rs["spec"]["replicas"] for image, rs in self.sets().items()}

    def ready(self) -> int:
        """Make every pod that is not Ready yet Ready now; how many changed."""
        changed = 0
        for pod in self.tracker.list("pods", "default")[0]:
            conditions = pod.setdefault("status", {}).setdefault("conditions", [])
            if any(c["type"] == "Ready" for c in conditions):
                continue
            pod["status"]["phase"] = "Running"
            conditions.append({"type": "Ready", "status": "True", "lastTransitionTime": kube_time(self.clock.now())})
            self.tracker.update("pods", "default", pod)
            changed += 1
        return changed

    def settle(self, limit: int = 20) -> None:
        """Sync and make pods Ready until nothing changes."""
        for _ in range(limit):
            before = self.tracker.resource_version
            self.sync()
            self.ready()
            self.replicasets.reconcile()
            if self.tracker.resource_version == before:
                return
        raise AssertionError("the controllers did not settle")


def harness(tmp_path: Path) -> Harness:
    clock = ManualClock()
    ids = SeededIds(7)
    tracker = Tracker("c1", KubeStore(Database(tmp_path / "kube.db"), Sealer(tmp_path / "seal.key")), clock, ids)
    tracker.create("namespaces", "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    tracker.create("serviceaccounts", "default", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                  "metadata": {"name": "default"}})
    return Harness(tracker, clock, DeploymentController(tracker, clock), ReplicaSetController(tracker, clock, ids))
