"""The DaemonSet controller (``pkg/controller/daemon`` of Kubernetes 1.32): one pod per node that fits
(node selector, required node affinity, taints against the tolerations it adds), pinned to its node by a
required ``metadata.name`` node affinity the scheduler then honours; a RollingUpdate replaces old pods
``maxUnavailable`` at a time; ControllerRevisions record each template."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.kube.apiserver import admission, defaults
from pullproof.kube.apiserver.kinds.apps import TEMPLATE_GENERATION, default_daemonset
from pullproof.kube.controllers import revisions
from pullproof.kube.controllers.filters import Usage, node_affinity, tolerates
from pullproof.kube.controllers.replicasets import (
    new_pod_name,
    owned_by,
    owner_ref,
    pod_available,
    pod_ready,
    remove_pod,
)
from pullproof.kube.controllers.statefulsets import _pods_type, finished, terminating
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker, clone

DAEMONSETS = "daemonsets.apps"
Obj = dict[str, Any]
DEFAULT_TOLERATIONS = (("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
                       ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                       ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                       ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                       ("node.kubernetes.io/unschedulable", "NoSchedule"))
NETWORK_UNAVAILABLE = ("node.kubernetes.io/network-unavailable", "NoSchedule")


def daemon_tolerations(spec: Obj) -> list[Obj]:
    """``AddOrUpdateDaemonPodTolerations``: the spec's tolerations with ``Exists`` tolerations of the node
    conditions' taints added or replacing their namesakes."""
    wanted = list(DEFAULT_TOLERATIONS) + ([NETWORK_UNAVAILABLE] if spec.get("hostNetwork") else [])
    tolerations = list(spec.get("tolerations") or [])
    for key, effect in wanted:
        toleration = {"key": key, "operator": "Exists", "effect": effect}
        same = [t for t in tolerations if (t.get("key"), t.get("operator"), t.get("effect")) == (key, "Exists", effect)]
        if not same:
            tolerations.append(toleration)
        elif same[0] != toleration:
            tolerations[tolerations.index(same[0])] = toleration
    return tolerations


def add_tolerations(spec: Obj) -> None:
    spec["tolerations"] = daemon_tolerations(spec)


def pin_to_node(spec: Obj, node: str) -> None:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: the required terms become ``metadata.name In [node]``."""
    affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
    affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}


def target_node(pod: Obj) -> str | None:
    """``GetTargetNodeName``: the node a pod is bound to, or pinned to by its affinity."""
    if pod.get("spec", {}).get("nodeName"):
        return str(pod["spec"]["nodeName"])
    required = ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution") or {}
    for term in required.get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("operator") == "In" and field.get("values"):
                return str(field["values"][0])
    return None


def should_run(ds: Obj, node: Obj) -> tuple[bool, bool]:
    """``NodeShouldRunDaemonPod``: (should run a pod there, may keep one running there)."""
    spec = ds["spec"]["template"].get("spec") or {}  # read only: a pass asks this for every node
    if node_affinity({"spec": spec}, node, Usage()) is not None:
        return False, False
    taints = node.get("spec", {}).get("taints") or []
    if not taints:
        return True, True
    tolerations = daemon_tolerations(spec)
    fits = all(tolerates(tolerations, t) for t in taints if t.get("effect") in ("NoSchedule", "NoExecute"))
    keeps = all(tolerates(tolerations, t) for t in taints if t.get("effect") == "NoExecute")
    return fits, keeps


class DaemonSetController:
    def __init__(self, tracker: Tracker, clock: Clock, ids: IdFactory) -> None:
        self.tracker = tracker
        self.clock = clock
        self.ids = ids
        self.events = EventRecorder(tracker, clock, "daemonset-controller")

    def reconcile(self) -> None:
        nodes = self.tracker.scan("nodes")  # read only
        for ds in self.tracker.list(DAEMONSETS)[0]:
            if not ds["metadata"].get("deletionTimestamp"):
                default_daemonset(ds)  # one written straight into the tracker (AKS's add-ons) skipped defaulting
                self._one(ds, nodes)

    def _one(self, ds: Obj, nodes: list[Obj]) -> None:
        digest = self._revision(ds)
        by_node = self._by_node(ds)
        for node in nodes:
            name = node["metadata"]["name"]
            run, keep = should_run(ds, node)
            pods = [p for p in by_node.pop(name, []) if not terminating(p)]
            for pod in [p for p in pods if finished(p)]:
                self._delete(ds, pod)
                pods.remove(pod)
            if run and not pods:
                self._create(ds, name, digest)
            elif not keep:
                for pod in pods:
                    self._delete(ds, pod)
            else:
                for pod in sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"])[1:]:
                    self._delete(ds, pod)
        for orphaned in by_node.values():  # pods of nodes that are gone
            for pod in orphaned:
                if not terminating(pod):
                    self._delete(ds, pod)
        if ds["spec"].get("updateStrategy", {}).get("type") == "RollingUpdate":
            self._roll(ds, nodes, digest)
        self._write_status(ds, nodes, digest)

    def _revision(self, ds: Obj) -> str:
        history = revisions.owned(self.tracker, ds)
        collisions = int((ds.get("status") or {}).get("collisionCount") or 0)
        digest = revisions.template_hash(ds["spec"]["template"], collisions)
        current = revisions.ensure(self.tracker, ds, "DaemonSet", digest,
                                   revisions.template_patch(ds["spec"]["template"]), history)
        live = {current["metadata"]["name"]}
        revisions.truncate(self.tracker, ds, revisions.owned(self.tracker, ds), live)
        return str(current["metadata"]["labels"][revisions.HASH_LABEL])

    def _by_node(self, ds: Obj) -> dict[str, list[Obj]]:
        found: dict[str, list[Obj]] = {}
        for pod in self.tracker.scan("pods", ds["metadata"]["namespace"], lambda p: owned_by(p, ds)):
            found.setdefault(target_node(pod) or "", []).append(pod)
        return found

    def _roll(self, ds: Obj, nodes: list[Obj], digest: str) -> None:
        """Delete old pods while fewer than ``maxUnavailable`` of the wanted nodes lack an available pod."""
        rolling = ds["spec"]["updateStrategy"].get("rollingUpdate") or {}
        wanted = [n["metadata"]["name"] for n in nodes if should_run(ds, n)[0]]
        limit = _scaled(rolling.get("maxUnavailable", 1), len(wanted))
        min_ready, now = int(ds["spec"].get("minReadySeconds") or 0), self.clock.now()
        by_node = self._by_node(ds)
        live = {n: [p for p in by_node.get(n, []) if not terminating(p)] for n in wanted}
        unavailable = sum(not any(pod_available(p, min_ready, now) for p in pods) for pods in live.values())
        for node in wanted:
            old = [p for p in live[node] if _hash(p) != digest]
            if not old or (unavailable >= limit and any(pod_available(p, min_ready, now) for p in old)):
                continue
            for pod in old:
                self._delete(ds, pod)
            if any(pod_available(p, min_ready, now) for p in old):
                unavailable += 1

    def _create(self, ds: Obj, node: str, digest: str) -> None:
        template = clone(ds["spec"]["template"])
        meta = {k: v for k, v in (template.get("metadata") or {}).items() if k != "creationTimestamp"}
        generation = (ds["metadata"].get("annotations") or {}).get(TEMPLATE_GENERATION, "1")
        labels = {**(meta.get("labels") or {}), revisions.HASH_LABEL: digest, "pod-template-generation": generation}
        spec = template.get("spec") or {}
        add_tolerations(spec)
        pin_to_node(spec, node)
        name = ds["metadata"]["name"]
        pod_name = new_pod_name(self.tracker, self.ids, ds["metadata"]["namespace"], name)
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {**meta, "name": pod_name, "generateName": f"{name}-", "labels": labels,
                            "namespace": ds["metadata"]["namespace"],
                            "ownerReferences": [owner_ref(ds, "DaemonSet", "apps/v1")]},
               "spec": spec}
        try:
            defaults.pod(pod)
            admission.pod(self.tracker, self.ids, _pods_type(), pod)
            self.tracker.create("pods", ds["metadata"]["namespace"], pod)
        except ServiceError as exc:
            self.events.record(ds, "DaemonSet", "Warning", "FailedCreate", f"Error creating: {exc.message}")
            return
        self.events.record(ds, "DaemonSet", "Normal", "SuccessfulCreate", f"Created pod: {pod_name}")

    def _delete(self, ds: Obj, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        remove_pod(self.tracker, self.clock, pod)
        self.events.record(ds, "DaemonSet", "Normal", "SuccessfulDelete", f"Deleted pod: {name}")

    def _write_status(self, ds: Obj, nodes: list[Obj], digest: str) -> None:
        min_ready, now = int(ds["spec"].get("minReadySeconds") or 0), self.clock.now()
        by_node = self._by_node(ds)
        counts = dict.fromkeys(("desired", "current", "misscheduled", "ready", "available", "updated"), 0)
        for node in nodes:
            pods = [p for p in by_node.get(node["metadata"]["name"], []) if not terminating(p)]
            run = should_run(ds, node)[0]
            counts["desired"] += run
            counts["misscheduled"] += bool(pods) and not run
            if run and pods:
                counts["current"] += 1
                counts["ready"] += any(pod_ready(p) for p in pods)
                counts["available"] += any(pod_available(p, min_ready, now) for p in pods)
                counts["updated"] += any(_hash(p) == digest for p in pods)
        status: Obj = {"currentNumberScheduled": counts["current"], "numberMisscheduled": counts["misscheduled"],
                       "desiredNumberScheduled": counts["desired"], "numberReady": counts["ready"],
                       "observedGeneration": ds["metadata"].get("generation", 1),
                       "updatedNumberScheduled": counts["updated"], "numberAvailable": counts["available"],
                       "numberUnavailable": counts["desired"] - counts["available"]}
        status = {k: v for k, v in status.items() if v or k in ("currentNumberScheduled", "numberMisscheduled",
                                                                 "desiredNumberScheduled", "numberReady")}
        if ds.get("status") != status:
            fresh = self.tracker.get(DAEMONSETS, ds["metadata"]["namespace"], ds["metadata"]["name"])
            fresh["status"] = status
            self.tracker.update(DAEMONSETS, ds["metadata"]["namespace"], fresh, check_version=False)


def _hash(pod: Obj) -> str:
    return str((pod["metadata"].get("labels") or {}).get(revisions.HASH_LABEL, ""))


def _scaled(value: Any, total: int) -> int:
    """An IntOrString against ``total`` (a percent rounds up, as ``GetScaledValueFromIntOrPercent``)."""
    if isinstance(value, str) and value.endswith("%"):
        return -(-int(value[:-1]) * total // 100)
    return int(value)
