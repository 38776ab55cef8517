"""The deployment controller: ReplicaSets per pod template, rolling replacement, and the status
fields and conditions ``kubectl rollout status`` reads (``ProgressDeadlineExceeded`` included)."""

from __future__ import annotations

import copy
import math
from typing import Any

from pullproof.core.clock import Clock, parse_time
from pullproof.kube.controllers.replicasets import DEPLOYMENTS, REPLICASETS, owned_by, owner_ref, template_hash
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker, kube_time


def percent(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        exact = int(value[:-1]) * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value if value is not None else 0)


class DeploymentController:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock
        self.events = EventRecorder(tracker, clock, "deployment-controller")

    def reconcile(self) -> None:
        for deployment in self.tracker.list(DEPLOYMENTS)[0]:
            if not deployment["metadata"].get("deletionTimestamp"):
                self._one(deployment)

    def _sets(self, deployment: dict[str, Any]) -> list[dict[str, Any]]:
        namespace = deployment["metadata"]["namespace"]
        return [rs for rs in self.tracker.list(REPLICASETS, namespace)[0] if owned_by(rs, deployment)]

    def _one(self, deployment: dict[str, Any]) -> None:
        namespace = deployment["metadata"]["namespace"]
        spec = deployment["spec"]
        replicas = int(spec.get("replicas", 1))
        sets = self._sets(deployment)
        digest = template_hash(spec["template"], int(deployment.get("status", {}).get("collisionCount", 0)))
        new = next((rs for rs in sets if rs["metadata"].get("labels", {}).get("pod-template-hash") == digest), None)
        created = new is None
        if new is None:
            new = self._create_set(deployment, digest, len(sets) + 1)
        olds = [rs for rs in sets if rs["metadata"]["uid"] != new["metadata"]["uid"]]
        new_available = int(new.get("status", {}).get("availableReplicas", 0))
        self._scale(deployment, new, replicas)
        for old in olds:
            self._scale(deployment, old, max(0, min(int(old["spec"].get("replicas", 0)), replicas - new_available)))
        self._status(self.tracker.get(DEPLOYMENTS, namespace, deployment["metadata"]["name"]), new, olds, created)

    def _create_set(self, deployment: dict[str, Any], digest: str, revision: int) -> dict[str, Any]:
        meta, spec = deployment["metadata"], deployment["spec"]
        template = copy.deepcopy(spec["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = digest
        selector = copy.deepcopy(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})["pod-template-hash"] = digest
        replicas = int(spec.get("replicas", 1))
        surge = percent((spec.get("strategy", {}).get("rollingUpdate") or {}).get("maxSurge", "25%"), replicas, True)
        body = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": f"{meta['name']}-{digest}", "namespace": meta["namespace"],
                             "labels": template["metadata"]["labels"], "generation": 1,
                             "annotations": {"deployment.kubernetes.io/desired-replicas": str(replicas),
                                             "deployment.kubernetes.io/max-replicas": str(replicas + surge),
                                             "deployment.kubernetes.io/revision": str(revision)},
                             "ownerReferences": [owner_ref(deployment, "Deployment", "apps/v1")]},
                "spec": {"replicas": 0, "minReadySeconds": spec.get("minReadySeconds", 0), "selector": selector,
                         "template": template},
                "status": {"replicas": 0}}
        return self.tracker.create(REPLICASETS, meta["namespace"], body)

    def _scale(self, deployment: dict[str, Any], rs: dict[str, Any], count: int) -> None:
        current = int(rs["spec"].get("replicas", 0))
        if current == count:
            return
        fresh = self.tracker.get(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])
        fresh["spec"]["replicas"] = count
        fresh["metadata"]["generation"] = int(fresh["metadata"].get("generation", 1)) + 1
        fresh["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/desired-replicas"] = str(
            deployment["spec"].get("replicas", 1))
        self.tracker.update(REPLICASETS, rs["metadata"]["namespace"], fresh, check_version=False)
        verb = "up" if count > current else "down"
        self.events.record(deployment, "Deployment", "Normal", "ScalingReplicaSet",
                           f"Scaled {verb} replica set {rs['metadata']['name']} from {current} to {count}")

    def _status(self, deployment: dict[str, Any], new: dict[str, Any], olds: list[dict[str, Any]],
                created: bool) -> None:
        spec, now = deployment["spec"], self.clock.now()
        replicas = int(spec.get("replicas", 1))
        sets = [self.tracker.get(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])
                for rs in [new, *olds]]
        total = sum(int(rs.get("status", {}).get("replicas", 0)) for rs in sets)
        updated = int(sets[0].get("status", {}).get("replicas", 0))
        available = sum(int(rs.get("status", {}).get("availableReplicas", 0)) for rs in sets)
        ready = sum(int(rs.get("status", {}).get("readyReplicas", 0)) for rs in sets)
        max_unavailable = percent((spec.get("strategy", {}).get("rollingUpdate") or {}).get("maxUnavailable", "25%"),
                                  replicas, False)
        old_status = deployment.get("status", {})
        status: dict[str, Any] = {"observedGeneration": deployment["metadata"].get("generation", 1),
                                  "replicas": total, "updatedReplicas": updated, "readyReplicas": ready,
                                  "availableReplicas": available, "unavailableReplicas": max(0, total - available)}
        status = {k: v for k, v in status.items() if v or k == "observedGeneration"}
        name = new["metadata"]["name"]
        status["conditions"] = self._conditions(old_status.get("conditions", []), replicas, available,
                                                max_unavailable, updated, name, created, now,
                                                int(spec.get("progressDeadlineSeconds", 600)))
        if old_status.get("collisionCount") is not None:
            status["collisionCount"] = old_status["collisionCount"]
        annotations = deployment["metadata"].setdefault("annotations", {})
        revision = new["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "1")
        if status != old_status or annotations.get("deployment.kubernetes.io/revision") != revision:
            annotations["deployment.kubernetes.io/revision"] = revision
            deployment["status"] = status
            self.tracker.update(DEPLOYMENTS, deployment["metadata"]["namespace"], deployment, check_version=False)

    def _conditions(self, old: list[dict[str, Any]], replicas: int, available: int, max_unavailable: int,
                    updated: int, rs_name: str, created: bool, now: float, deadline: int) -> list[dict[str, Any]]:
        by_type = {c["type"]: c for c in old}
        stamp = kube_time(now)
        has_min = available >= replicas - max_unavailable
        avail = ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.") if has_min else (
            "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
        previous = by_type.get("Progressing")
        complete = updated == replicas and available >= replicas
        if complete:
            progress = ("True", "NewReplicaSetAvailable", f'ReplicaSet "{rs_name}" has successfully progressed.')
        elif created or previous is None:
            progress = ("True", "NewReplicaSetCreated", f'Created new replica set "{rs_name}"')
        elif previous.get("reason") == "ProgressDeadlineExceeded":
            progress = (previous["status"], previous["reason"], previous["message"])
        elif now - parse_time(previous["lastUpdateTime"]) > deadline:
            progress = ("False", "ProgressDeadlineExceeded", f'ReplicaSet "{rs_name}" has timed out progressing.')
        else:
            progress = (previous["status"], previous["reason"], previous["message"])
        return [self._condition(by_type.get("Available"), "Available", avail, stamp, touch=False),
                self._condition(previous, "Progressing", progress, stamp,
                                touch=previous is None or previous.get("reason") != progress[1])]

    @staticmethod
    def _condition(old: dict[str, Any] | None, kind: str, value: tuple[str, str, str], stamp: str,
                   touch: bool) -> dict[str, Any]:
        status, reason, message = value
        same = old is not None and old.get("status") == status and old.get("reason") == reason
        return {"type": kind, "status": status,
                "lastUpdateTime": stamp if (touch or not same or old is None) else old["lastUpdateTime"],
                "lastTransitionTime": old["lastTransitionTime"] if (old and old.get("status") == status) else stamp,
                "reason": reason, "message": message}
