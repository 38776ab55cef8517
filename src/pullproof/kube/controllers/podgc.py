"""The pod garbage collector's orphan sweep: a pod bound to a node that no longer exists is marked Failed
(``DisruptionTarget``, reason ``DeletionByPodGC``) and force-deleted, so its ReplicaSet replaces it; as in
kube-controller-manager, only once the node has been missing for the quarantine time (40 s)."""

from __future__ import annotations

from pullproof.core.clock import Clock
from pullproof.kube.storage.resources import POD_LOGS
from pullproof.kube.storage.tracker import Tracker, clone, kube_time

MESSAGE = "PodGC: node no longer exists"
QUARANTINE_SECONDS = 40.0  # podgc's quarantineTime: a node must stay missing this long


class PodGarbageCollector:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock
        self._missing: dict[str, float] = {}  # node name -> when a pod was first seen bound to it while missing

    def reconcile(self) -> None:
        nodes = {n["metadata"]["name"] for n in self.tracker.scan("nodes")}
        now = self.clock.now()
        pods = self.tracker.scan("pods")
        bound = {p["spec"].get("nodeName") for p in pods} - {None, ""}
        self._missing = {n: self._missing.get(n, now) for n in bound - nodes}
        for pod in pods:
            node = pod["spec"].get("nodeName")
            if node not in self._missing or now - self._missing[node] < QUARANTINE_SECONDS:
                continue
            namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
            failed = clone(pod)
            status = failed.setdefault("status", {})
            if status.get("phase") not in ("Succeeded", "Failed"):
                status["phase"] = "Failed"
            status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != "DisruptionTarget"]
            status["conditions"].append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                                         "lastTransitionTime": kube_time(self.clock.now()),
                                         "reason": "DeletionByPodGC", "message": MESSAGE})
            self.tracker.update("pods", namespace, failed, check_version=False)
            self.tracker.delete("pods", namespace, name)
            if self.tracker.find(POD_LOGS, namespace, name) is not None:
                self.tracker.delete(POD_LOGS, namespace, name)
