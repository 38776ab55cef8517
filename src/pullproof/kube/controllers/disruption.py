"""The disruption controller (``pkg/controller/disruption``): each PodDisruptionBudget's status from
the pods it selects: ``expectedPods`` (the scale of their controllers, or the pods counted for an
integer ``minAvailable``), ``desiredHealthy``, ``currentHealthy`` (Ready pods not being deleted nor
recently evicted), ``disruptionsAllowed`` and the ``DisruptionAllowed`` condition."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import Clock, parse_time
from pullproof.kube.apiserver.kinds import intorpercent
from pullproof.kube.apiserver.kinds.policy import allowed_condition, selects, set_condition
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker, clone, kube_time

Obj = dict[str, Any]
PDBS = "poddisruptionbudgets.policy"
DELETION_TIMEOUT = 120.0  # DeletionTimeout: an eviction not followed by the pod's deletion within 2 min expires
SCALABLE = {"ReplicaSet": "replicasets.apps", "StatefulSet": "statefulsets.apps",
            "ReplicationController": "replicationcontrollers", "Deployment": "deployments.apps"}
UNMANAGED = ("Pods selected by this PodDisruptionBudget (selector: {selector}) were found to be unmanaged. As a "
             "result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "
             "To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.")


class SyncFailed(Exception):
    pass


def ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


class DisruptionController:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock
        self.events = EventRecorder(tracker, clock, "controllermanager")

    def reconcile(self) -> None:
        for pdb in self.tracker.scan(PDBS):
            self.sync(pdb)

    def sync(self, pdb: Obj) -> None:
        namespace = pdb["metadata"]["namespace"]
        pods = [p for p in self.tracker.scan("pods", namespace) if selects(pdb, p)]
        try:
            expected, desired, unmanaged = self._expected(pdb, pods)
        except SyncFailed as exc:
            self._fail_safe(pdb, str(exc))
            return
        disrupted = self._disrupted(pdb, pods)
        healthy = sum(1 for p in pods if self._healthy(p, disrupted))
        allowed = healthy - desired
        if expected <= 0 or allowed <= 0:
            allowed = 0
        status = clone(pdb.get("status") or {})
        generation = int(pdb["metadata"].get("generation") or 1)
        status.update({"currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
                       "disruptionsAllowed": allowed, "observedGeneration": generation})
        if disrupted:
            status["disruptedPods"] = disrupted
        else:
            status.pop("disruptedPods", None)
        allowed_condition(status, generation, kube_time(self.clock.now()))
        if status == pdb.get("status"):
            return
        if not pods:
            self.events.record(pdb, "PodDisruptionBudget", "Normal", "NoPods", "No matching pods found")
        if unmanaged:
            selector = _go_selector((pdb.get("spec") or {}).get("selector") or {})
            self.events.record(pdb, "PodDisruptionBudget", "Warning", "UnmanagedPods",
                               UNMANAGED.format(selector=selector))
        self._write(pdb, status)

    def _write(self, pdb: Obj, status: Obj) -> None:
        updated = clone(pdb)
        updated["status"] = status
        self.tracker.update(PDBS, pdb["metadata"]["namespace"], updated, check_version=False)

    def _fail_safe(self, pdb: Obj, message: str) -> None:
        """``failSafe``: no disruption allowed while the status cannot be computed."""
        self.events.record(pdb, "PodDisruptionBudget", "Warning", "CalculateExpectedPodCountFailed",
                           f"Failed to calculate the number of expected pods: {message}")
        status = clone(pdb.get("status") or {})
        status["disruptionsAllowed"] = 0
        set_condition(status, {"type": "DisruptionAllowed", "status": "False", "reason": "SyncFailed",
                               "message": message, "observedGeneration": status.get("observedGeneration", 0)},
                      kube_time(self.clock.now()))
        if status != pdb.get("status"):
            self._write(pdb, status)

    def _healthy(self, pod: Obj, disrupted: dict[str, str]) -> bool:
        return not pod["metadata"].get("deletionTimestamp") and pod["metadata"]["name"] not in disrupted \
            and ready(pod)

    def _disrupted(self, pdb: Obj, pods: list[Obj]) -> dict[str, str]:
        """``buildDisruptedPodMap``: evictions whose pod still exists, is not yet being deleted, and are
        younger than ``DELETION_TIMEOUT``."""
        recorded = (pdb.get("status") or {}).get("disruptedPods") or {}
        now = self.clock.now()
        kept: dict[str, str] = {}
        for pod in pods:
            name = pod["metadata"]["name"]
            if name in recorded and not pod["metadata"].get("deletionTimestamp") \
                    and parse_time(recorded[name]) + DELETION_TIMEOUT > now:
                kept[name] = recorded[name]
        return kept

    def _expected(self, pdb: Obj, pods: list[Obj]) -> tuple[int, int, list[str]]:
        """``getExpectedPodCount``: (expectedPods, desiredHealthy, unmanaged pod names)."""
        spec = pdb.get("spec") or {}
        if spec.get("maxUnavailable") is not None:
            expected, unmanaged = self._scale(pods)
            desired = max(expected - intorpercent.scaled(spec["maxUnavailable"], expected, True), 0)
            return expected, desired, unmanaged
        minimum = spec.get("minAvailable")
        if isinstance(minimum, int):
            return len(pods), minimum, []
        if minimum is not None:
            expected, unmanaged = self._scale(pods)
            return expected, intorpercent.scaled(minimum, expected, True), unmanaged
        return 0, 0, []

    def _scale(self, pods: list[Obj]) -> tuple[int, list[str]]:
        """``getExpectedScale``: the sum of the replicas of the pods' controllers (a Deployment's for
        its ReplicaSets); pods without a controller are unmanaged, others are an error."""
        scales: dict[str, int] = {}
        unmanaged: list[str] = []
        for pod in pods:
            owner = next((o for o in pod["metadata"].get("ownerReferences") or [] if o.get("controller")), None)
            if owner is None:
                unmanaged.append(pod["metadata"]["name"])
                continue
            found = self._controller(pod["metadata"]["namespace"], owner)
            if found is None:
                raise SyncFailed(f'found no controllers for pod "{pod["metadata"]["name"]}"')
            uid, replicas = found
            scales[uid] = replicas
        return sum(scales.values()), unmanaged

    def _controller(self, namespace: str, owner: Obj) -> tuple[str, int] | None:
        key = SCALABLE.get(str(owner.get("kind")))
        found = self.tracker.find(key, namespace, str(owner.get("name"))) if key else None
        if found is None or found["metadata"].get("uid") != owner.get("uid"):
            return None
        if owner.get("kind") == "ReplicaSet":
            parent = next((o for o in found["metadata"].get("ownerReferences") or []
                           if o.get("controller") and o.get("kind") == "Deployment"), None)
            if parent is not None:
                return self._controller(namespace, parent)
        return str(found["metadata"]["uid"]), int((found.get("spec") or {}).get("replicas", 1))


def _go_selector(selector: Obj) -> str:
    """``&LabelSelector{...}`` as ``%v`` prints a selector pointer in the UnmanagedPods event."""
    labels = selector.get("matchLabels") or {}
    shown = "".join(f"{k}: {v}," for k, v in sorted(labels.items()))
    return (f"&LabelSelector{{MatchLabels:map[string]string{{{shown}}},"
            "MatchExpressions:[]LabelSelectorRequirement{},}")
