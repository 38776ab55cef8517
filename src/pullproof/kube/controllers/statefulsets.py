"""The StatefulSet controller (``pkg/controller/statefulset`` of Kubernetes 1.32): pods ``<set>-<ordinal>``
with a stable identity and claims, created in order and deleted in reverse (``OrderedReady``: one at a time,
each waiting on the one before; ``Parallel``: all at once), rolled to a new revision from the highest
ordinal down to the partition, and the status and ControllerRevisions the kubectl rollout commands read."""

from __future__ import annotations

import re
from typing import Any

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.kube.apiserver import admission, defaults
from pullproof.kube.apiserver.kinds.apps import default_statefulset
from pullproof.kube.controllers import revisions
from pullproof.kube.controllers.replicasets import owned_by, owner_ref, pod_available, pod_ready, remove_pod
from pullproof.kube.storage import resources
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker, clone

STATEFULSETS = "statefulsets.apps"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
Obj = dict[str, Any]


def running_and_available(pod: Obj, min_ready: int, now: float) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and pod_available(pod, min_ready, now)


def terminating(pod: Obj) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def finished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded")


def revision_of(pod: Obj) -> str:
    return str((pod["metadata"].get("labels") or {}).get(revisions.HASH_LABEL, ""))


class StatefulSetController:
    def __init__(self, tracker: Tracker, clock: Clock, ids: IdFactory) -> None:
        self.tracker = tracker
        self.clock = clock
        self.ids = ids
        self.events = EventRecorder(tracker, clock, "statefulset-controller")

    def reconcile(self) -> None:
        for sts in self.tracker.list(STATEFULSETS)[0]:
            if not sts["metadata"].get("deletionTimestamp"):
                default_statefulset(sts)  # one written straight into the tracker skipped the API's defaulting
                self._one(sts)

    def _pods(self, sts: Obj) -> dict[int, Obj]:
        pattern = re.compile(rf"^{re.escape(sts['metadata']['name'])}-(\d+)$")
        found: dict[int, Obj] = {}
        for pod in self.tracker.scan("pods", sts["metadata"]["namespace"], lambda p: owned_by(p, sts)):
            match = pattern.match(pod["metadata"]["name"])
            if match:
                found[int(match.group(1))] = pod
        return found

    def _revisions(self, sts: Obj) -> tuple[Obj, Obj, int]:
        """(current, update, collisionCount): the update revision made or found for the template."""
        history = revisions.owned(self.tracker, sts)
        collisions = int((sts.get("status") or {}).get("collisionCount") or 0)
        data = revisions.template_patch(sts["spec"]["template"])
        while True:
            digest = revisions.revision_hash(data, collisions)
            taken = self.tracker.find(revisions.REVISIONS, sts["metadata"]["namespace"],
                                      f"{sts['metadata']['name'][:223]}-{digest}")
            if taken is None or (owned_by(taken, sts) and taken.get("data") == data):
                break
            collisions += 1
        update = revisions.ensure(self.tracker, sts, "StatefulSet", digest, data, history)
        wanted = (sts.get("status") or {}).get("currentRevision")
        history = revisions.owned(self.tracker, sts)
        current = next((r for r in history if r["metadata"]["name"] == wanted), update)
        return current, update, collisions

    def _one(self, sts: Obj) -> None:
        current, update, collisions = self._revisions(sts)
        self._update_replicas(sts, current, update)
        pods = self._pods(sts)
        self._write_status(sts, pods, current, update, collisions)
        live = {current["metadata"]["name"], update["metadata"]["name"], *(revision_of(p) for p in pods.values())}
        revisions.truncate(self.tracker, sts, revisions.owned(self.tracker, sts), live)

    def _update_replicas(self, sts: Obj, current: Obj, update: Obj) -> None:
        """One pass of ``updateStatefulSet``: create, then condemn, then roll; returns where it must wait."""
        spec = sts["spec"]
        start = int((spec.get("ordinals") or {}).get("start") or 0)
        wanted = range(start, start + int(spec.get("replicas", 1)))
        monotonic = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        min_ready, now = int(spec.get("minReadySeconds") or 0), self.clock.now()
        pods = self._pods(sts)
        for ordinal in wanted:
            pod = pods.get(ordinal)
            if pod is not None and finished(pod) and not terminating(pod):
                self._delete(sts, pod)
                pod = self._pods(sts).get(ordinal)
            if pod is None:
                self._create(sts, ordinal, current, update)
                if monotonic:
                    return
            elif monotonic and (terminating(pod) or not running_and_available(pod, min_ready, now)):
                return
        condemned = sorted((o for o in pods if o not in wanted), reverse=True)
        unhealthy = [o for o in condemned if not running_and_available(pods[o], min_ready, now)]
        for ordinal in condemned:
            pod = pods[ordinal]
            if terminating(pod):
                if monotonic:
                    return
                continue
            if monotonic and ordinal in unhealthy and ordinal != min(unhealthy):
                return
            self._delete(sts, pod)
            if monotonic:
                return
        if spec["updateStrategy"].get("type") == "RollingUpdate":
            self._roll(sts, update, wanted, min_ready, now)

    def _roll(self, sts: Obj, update: Obj, wanted: range, min_ready: int, now: float) -> None:
        """Delete the highest-ordinal pod not at the update revision, down to the partition, one at a time."""
        partition = int((sts["spec"]["updateStrategy"].get("rollingUpdate") or {}).get("partition") or 0)
        pods = self._pods(sts)
        for ordinal in reversed(wanted):
            if ordinal < wanted.start + partition:
                return
            pod = pods.get(ordinal)
            if pod is None:
                return
            if revision_of(pod) != update["metadata"]["name"] and not terminating(pod):
                self._delete(sts, pod)
                return
            if not running_and_available(pod, min_ready, now):
                return

    def _pod_revision(self, sts: Obj, ordinal: int, current: Obj, update: Obj) -> Obj:
        """``newVersionedStatefulSetPod``: below the partition a new pod gets the current revision."""
        strategy = sts["spec"]["updateStrategy"]
        start = int((sts["spec"].get("ordinals") or {}).get("start") or 0)
        if strategy.get("type") == "RollingUpdate" and \
                ordinal < start + int((strategy.get("rollingUpdate") or {}).get("partition") or 0):
            return current
        return update

    def _create(self, sts: Obj, ordinal: int, current: Obj, update: Obj) -> None:
        revision = self._pod_revision(sts, ordinal, current, update)
        template = {k: v for k, v in clone(revision["data"]["spec"]["template"]).items() if k != "$patch"}
        name, namespace = f"{sts['metadata']['name']}-{ordinal}", sts["metadata"]["namespace"]
        meta = template.get("metadata") or {}
        labels = {**(meta.get("labels") or {}), POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal),
                  revisions.HASH_LABEL: revision["metadata"]["name"]}
        spec = template.get("spec") or {}
        spec["hostname"] = name
        if sts["spec"].get("serviceName"):
            spec["subdomain"] = sts["spec"]["serviceName"]
        claims = self._claims(sts, ordinal, spec)
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {**{k: v for k, v in meta.items() if k != "creationTimestamp"}, "name": name,
                            "namespace": namespace, "labels": labels,
                            "ownerReferences": [owner_ref(sts, "StatefulSet", "apps/v1")]},
               "spec": spec}
        for claim in claims:
            if not self._create_claim(sts, name, claim):
                return
        try:
            defaults.pod(pod)
            admission.pod(self.tracker, self.ids, _pods_type(), pod)
            self.tracker.create("pods", namespace, pod)
        except ServiceError as exc:
            self.events.record(sts, "StatefulSet", "Warning", "FailedCreate",
                               f"create Pod {name} in StatefulSet {sts['metadata']['name']} failed error: "
                               f"{exc.message}")
            return
        self.events.record(sts, "StatefulSet", "Normal", "SuccessfulCreate",
                           f"create Pod {name} in StatefulSet {sts['metadata']['name']} successful")

    def _claims(self, sts: Obj, ordinal: int, spec: Obj) -> list[Obj]:
        """The pod's claims from ``volumeClaimTemplates``; its volumes of those names point at them."""
        claims = []
        selector_labels = (sts["spec"].get("selector") or {}).get("matchLabels") or {}
        for template in sts["spec"].get("volumeClaimTemplates") or []:
            volume = template["metadata"]["name"]
            claim_name = f"{volume}-{sts['metadata']['name']}-{ordinal}"
            meta = {k: v for k, v in (template.get("metadata") or {}).items() if k != "creationTimestamp"}
            meta.update({"name": claim_name, "namespace": sts["metadata"]["namespace"],
                         "labels": {**(meta.get("labels") or {}), **selector_labels}})
            if (sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}).get("whenDeleted") == "Delete":
                meta["ownerReferences"] = [owner_ref(sts, "StatefulSet", "apps/v1")]
            claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta,
                           "spec": clone(template.get("spec") or {}), "status": {"phase": "Pending"}})
            volumes = [v for v in spec.get("volumes") or [] if v.get("name") != volume]
            spec["volumes"] = [*volumes, {"name": volume, "persistentVolumeClaim": {"claimName": claim_name}}]
        return claims

    def _create_claim(self, sts: Obj, pod_name: str, claim: Obj) -> bool:
        namespace, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        if self.tracker.find("persistentvolumeclaims", namespace, name) is not None:
            return True
        try:
            self.tracker.create("persistentvolumeclaims", namespace, claim)
        except ServiceError as exc:
            self.events.record(sts, "StatefulSet", "Warning", "FailedCreate",
                               f"create Claim {name} for Pod {pod_name} in StatefulSet {sts['metadata']['name']} "
                               f"failed error: {exc.message}")
            return False
        self.events.record(sts, "StatefulSet", "Normal", "SuccessfulCreate",
                           f"create Claim {name} Pod {pod_name} in StatefulSet {sts['metadata']['name']} success")
        return True

    def _delete(self, sts: Obj, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        remove_pod(self.tracker, self.clock, pod)
        self.events.record(sts, "StatefulSet", "Normal", "SuccessfulDelete",
                           f"delete Pod {name} in StatefulSet {sts['metadata']['name']} successful")

    def _write_status(self, sts: Obj, pods: dict[int, Obj], current: Obj, update: Obj, collisions: int) -> None:
        min_ready, now = int(sts["spec"].get("minReadySeconds") or 0), self.clock.now()
        current_name, update_name = current["metadata"]["name"], update["metadata"]["name"]
        live = [p for p in pods.values() if not terminating(p)]
        ready = [p for p in pods.values() if (p.get("status") or {}).get("phase") == "Running" and pod_ready(p)]
        status: Obj = {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(pods),
                       "readyReplicas": len(ready),
                       "currentReplicas": sum(revision_of(p) == current_name for p in live),
                       "updatedReplicas": sum(revision_of(p) == update_name for p in live),
                       "availableReplicas": sum(pod_available(p, min_ready, now) for p in ready),
                       "currentRevision": current_name, "updateRevision": update_name, "collisionCount": collisions}
        if sts["spec"]["updateStrategy"].get("type") == "RollingUpdate" and \
                status["updatedReplicas"] == status["replicas"] == status["readyReplicas"]:
            status["currentReplicas"], status["currentRevision"] = status["updatedReplicas"], update_name
        status = {k: v for k, v in status.items()
                  if v or k in ("replicas", "availableReplicas", "collisionCount", "observedGeneration")}
        if sts.get("status") != status:
            fresh = self.tracker.get(STATEFULSETS, sts["metadata"]["namespace"], sts["metadata"]["name"])
            fresh["status"] = status
            self.tracker.update(STATEFULSETS, sts["metadata"]["namespace"], fresh, check_version=False)


def _pods_type() -> resources.ResourceType:
    found = resources.find("", "v1", "pods")
    assert found is not None
    return found
