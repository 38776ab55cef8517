"""The deployment and replica-set controllers and the scheduler, as level-triggered reconcilers
over the tracker (``reconcile()`` is idempotent; the runtime calls it on every change and tick)."""

from __future__ import annotations

import json
from typing import Any

from pullproof.core.clock import Clock, parse_time
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.kube.apiserver import admission, defaults
from pullproof.kube.storage import resources
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker, clone, kube_time

ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
def _pods_type() -> resources.ResourceType:
    found = resources.find("", "v1", "pods")
    assert found is not None
    return found
DEPLOYMENTS, REPLICASETS = "deployments.apps", "replicasets.apps"


def safe_encode(text: str) -> str:
    """``rand.SafeEncodeString``: each character's code point picks a letter of the alphabet (a decimal
    hash then reads in ``4``-``9`` and ``b``-``f``)."""
    return "".join(ALPHABET[ord(c) % len(ALPHABET)] for c in text)


def template_hash(template: dict[str, Any], collisions: int = 0) -> str:
    """fnv32a over a canonical dump of the pod template (Go's spew dump cannot be reproduced; the format can)."""
    value = 0x811C9DC5
    for byte in (json.dumps(template, sort_keys=True) + (str(collisions) if collisions else "")).encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(value))


NAME_TRIES = 8  # the API server's RetryGenerateName: a generated name already taken is drawn again, 7 more times


def new_pod_name(tracker: Tracker, ids: IdFactory, namespace: str, owner: str) -> str:
    """``generateName: <owner>-``: 5 characters over the name generator's whole alphabet (14 million names),
    drawn again while the name is taken."""
    for _ in range(NAME_TRIES - 1):
        name = admission.generated_name(ids, f"{owner}-")
        if tracker.find("pods", namespace, name) is None:
            return name
    return admission.generated_name(ids, f"{owner}-")


def remove_pod(tracker: Tracker, clock: Clock, pod: dict[str, Any]) -> None:
    """A controller's pod deletion: a bound pod is marked with its grace period (its kubelet stops it and
    removes the object), an unbound one goes at once. ``pod`` is not changed."""
    namespace = pod["metadata"]["namespace"]
    if not pod.get("spec", {}).get("nodeName"):
        tracker.delete("pods", namespace, pod["metadata"]["name"])
        return
    marked = clone(pod)
    marked["metadata"]["deletionTimestamp"] = kube_time(clock.now())
    marked["metadata"]["deletionGracePeriodSeconds"] = int(marked["spec"].get("terminationGracePeriodSeconds", 30))
    tracker.update("pods", namespace, marked, check_version=False)


def owned_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    return any(ref.get("uid") == owner["metadata"]["uid"] for ref in obj["metadata"].get("ownerReferences", []))


def owner_ref(owner: dict[str, Any], kind: str, api_version: str) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def ready_since(pod: dict[str, Any]) -> float | None:
    """When the pod became Ready (``None``: it is not Ready)."""
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready" and c.get("status") == "True":
            return parse_time(c["lastTransitionTime"]) if c.get("lastTransitionTime") else 0.0
    return None


def pod_ready(pod: dict[str, Any]) -> bool:
    return ready_since(pod) is not None


def pod_available(pod: dict[str, Any], min_ready_seconds: int = 0, now: float = 0.0) -> bool:
    """IsPodAvailable: Ready, and for longer than ``minReadySeconds`` (strictly) when that is set."""
    since = ready_since(pod)
    return since is not None and (min_ready_seconds == 0 or since + min_ready_seconds < now)


PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def deletion_rank(pod: dict[str, Any]) -> tuple[Any, ...]:
    """ActivePods ordering: which surplus pod goes first (unbound, pending, unready, recently ready,
    most restarts, newest)."""
    status = pod.get("status") or {}
    since = ready_since(pod)
    restarts = sum(int(c.get("restartCount", 0)) for c in status.get("containerStatuses") or [])
    return (bool((pod.get("spec") or {}).get("nodeName")), PHASE_RANK.get(status.get("phase", "Pending"), 0),
            since is not None, -(since or 0.0), -restarts, -parse_time(pod["metadata"]["creationTimestamp"]))


class ReplicaSetController:
    def __init__(self, tracker: Tracker, clock: Clock, ids: IdFactory) -> None:
        self.tracker = tracker
        self.clock = clock
        self.ids = ids
        self.events = EventRecorder(tracker, clock, "replicaset-controller")

    def reconcile(self) -> None:
        for rs in self.tracker.list(REPLICASETS)[0]:
            self._one(rs)

    def _pods(self, rs: dict[str, Any]) -> list[dict[str, Any]]:
        """The replica set's pods (stored objects: read only)."""
        return self.tracker.scan("pods", rs["metadata"]["namespace"], lambda p: owned_by(p, rs))

    def _one(self, rs: dict[str, Any]) -> None:
        pods = [p for p in self._pods(rs) if not p["metadata"].get("deletionTimestamp")]
        wanted = int(rs["spec"].get("replicas", 1))
        failure = None
        for _ in range(wanted - len(pods)):
            failure = self._create_pod(rs)
            if failure is not None:
                break
        for pod in sorted(pods, key=deletion_rank)[: max(0, len(pods) - wanted)]:
            self._delete_pod(rs, clone(pod))
        pods = [p for p in self._pods(rs) if not p["metadata"].get("deletionTimestamp")]
        min_ready, now = int(rs["spec"].get("minReadySeconds") or 0), self.clock.now()
        status = {"replicas": len(pods), "fullyLabeledReplicas": len(pods),
                  "readyReplicas": sum(pod_ready(p) for p in pods),
                  "availableReplicas": sum(pod_available(p, min_ready, now) for p in pods),
                  "observedGeneration": rs["metadata"].get("generation", 1)}
        status = {k: v for k, v in status.items() if v or k in {"replicas", "observedGeneration"}}
        conditions = self._conditions(rs, failure, now)
        if conditions:
            status["conditions"] = conditions
        if rs.get("status") != status:
            fresh = self.tracker.get(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])
            fresh["status"] = status
            self.tracker.update(REPLICASETS, rs["metadata"]["namespace"], fresh, check_version=False)

    @staticmethod
    def _conditions(rs: dict[str, Any], failure: str | None, now: float) -> list[dict[str, Any]]:
        """``ReplicaFailure`` (``FailedCreate``) while pods cannot be created; gone once a pass succeeds."""
        conditions = clone((rs.get("status") or {}).get("conditions") or [])
        known = any(c.get("type") == "ReplicaFailure" for c in conditions)
        if failure is not None and not known:
            conditions.append({"type": "ReplicaFailure", "status": "True", "lastTransitionTime": kube_time(now),
                               "reason": "FailedCreate", "message": failure})
        elif failure is None and known:
            conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
        return conditions

    def _create_pod(self, rs: dict[str, Any]) -> str | None:
        """Create one pod; the error's message if the API refuses it."""
        namespace, name = rs["metadata"]["namespace"], rs["metadata"]["name"]
        template = clone(rs["spec"]["template"])
        pod_name = new_pod_name(self.tracker, self.ids, namespace, name)
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {**template.get("metadata", {}), "name": pod_name, "generateName": f"{name}-",
                            "namespace": namespace, "ownerReferences": [owner_ref(rs, "ReplicaSet", "apps/v1")]},
               "spec": template.get("spec", {})}
        try:
            defaults.pod(pod)
            admission.pod(self.tracker, self.ids, _pods_type(), pod)
            created = self.tracker.create("pods", namespace, pod)
        except ServiceError as exc:
            self.events.record(rs, "ReplicaSet", "Warning", "FailedCreate", f"Error creating: {exc.message}")
            return exc.message
        self.events.record(rs, "ReplicaSet", "Normal", "SuccessfulCreate",
                           f"Created pod: {created['metadata']['name']}")
        return None

    def _delete_pod(self, rs: dict[str, Any], pod: dict[str, Any]) -> None:
        name = pod["metadata"]["name"]
        remove_pod(self.tracker, self.clock, pod)
        self.events.record(rs, "ReplicaSet", "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
