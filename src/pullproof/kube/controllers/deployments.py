"""The deployment controller, as kube-controller-manager's ``syncDeployment``: it claims ReplicaSets
(adopting orphans its selector matches, releasing those it no longer matches), keeps the revision
annotations, rolls out by strategy (``rolling.py``), scales proportionally, cleans up beyond
``revisionHistoryLimit`` and keeps the status and the ``Progressing``/``Available`` conditions."""

from __future__ import annotations

from typing import Any

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.selectors import selector_matches
from pullproof.kube.controllers import deploymentutil as du
from pullproof.kube.controllers import rolling
from pullproof.kube.controllers.replicasets import DEPLOYMENTS, REPLICASETS, owner_ref, template_hash
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.tracker import Tracker, clone

Obj = dict[str, Any]


def controller_uid(obj: Obj) -> str | None:
    return next((r.get("uid") for r in obj["metadata"].get("ownerReferences") or [] if r.get("controller")), None)


def _rollback_to(d: Obj) -> int | None:
    """getRollbackTo: the revision the deprecated rollback annotation asks for (an invalid one is ignored)."""
    value = (d["metadata"].get("annotations") or {}).get(du.ROLLBACK_TO)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _last_revision(sets: list[Obj]) -> int:
    """LastRevision: the second highest revision."""
    top, second = 0, 0
    for rs in sets:
        value = du.revision(rs)
        if value >= top:
            top, second = value, top
        elif value > second:
            second = value
    return second


def _replica_failures(sets: list[Obj], new: Obj | None) -> list[Obj]:
    """getReplicaFailures: the new set's ReplicaFailure conditions, else the other sets'."""
    def of(rs: Obj) -> list[Obj]:
        return [{"type": c["type"], "status": c["status"], "lastUpdateTime": c.get("lastTransitionTime"),
                 "lastTransitionTime": c.get("lastTransitionTime"), "reason": c.get("reason"),
                 "message": c.get("message")}
                for c in (rs.get("status") or {}).get("conditions") or [] if c.get("type") == "ReplicaFailure"]
    found = of(new) if new is not None else []
    return found or [c for rs in sets for c in of(rs)]


class DeploymentController:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock
        self.events = EventRecorder(tracker, clock, "deployment-controller")

    def reconcile(self) -> None:
        for deployment in self.tracker.list(DEPLOYMENTS)[0]:
            self.sync(deployment)

    # syncDeployment -----------------------------------------------------------------------------------
    def sync(self, d: Obj) -> None:
        selector = d["spec"].get("selector") or {}
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            self.events.record(d, "Deployment", "Warning", "SelectingAll",
                               "This deployment is selecting all pods. A non-empty selector is required.")
            return
        sets = self._claim(d)
        if d["metadata"].get("deletionTimestamp"):
            new, olds = self.sets_and_revision(d, sets, False)
            self._sync_status(d, [*olds, *([new] if new else [])], new)
            return
        d = self._paused_conditions(d)
        if not d["spec"].get("paused") and _rollback_to(d) is not None:
            self._rollback(d, sets)
        elif d["spec"].get("paused") or self._scaling_event(d, sets):
            self._sync_scale(d, sets)
        elif du.rolling(d):
            self._rolling(d, sets)
        else:
            self._recreate(d, sets)

    def _rollback(self, d: Obj, sets: list[Obj]) -> None:
        """rollback.go: the deprecated ``deprecated.deployment.rollback.to`` annotation (0: the previous revision)."""
        new, olds = self.sets_and_revision(d, sets, True)
        everything = [*olds, *([new] if new else [])]
        wanted = _rollback_to(d) or _last_revision(everything)
        target = next((rs for rs in everything if du.revision(rs) == wanted), None) if wanted else None
        if target is None:
            message = "Unable to find the revision to rollback to." if wanted else "Unable to find last revision."
            self.events.record(d, "Deployment", "Warning", "DeploymentRollbackRevisionNotFound", message)
        elif du.find_new(d, [target]) is None:
            template = du.without_hash(target["spec"]["template"])
            d["spec"]["template"] = template
            kept = {k: v for k, v in du.notes_of(d).items() if k in du.SKIPPED_ANNOTATIONS}
            d["metadata"]["annotations"] = {**kept, **{k: v for k, v in du.notes_of(target).items()
                                                       if k not in du.SKIPPED_ANNOTATIONS}}
            d["metadata"]["generation"] = int(d["metadata"].get("generation", 1)) + 1
            self.events.record(d, "Deployment", "Normal", "DeploymentRollback",
                               f'Rolled back deployment "{d["metadata"]["name"]}" to revision {wanted}')
        else:
            self.events.record(d, "Deployment", "Warning", "DeploymentRollbackTemplateUnchanged",
                               "The rollback revision contains the same template as current deployment "
                               f'"{d["metadata"]["name"]}"')
        du.notes_of(d).pop(du.ROLLBACK_TO, None)
        self.tracker.update(DEPLOYMENTS, d["metadata"]["namespace"], d, check_version=False)

    def _claim(self, d: Obj) -> list[Obj]:
        """getReplicaSetsForDeployment: the ReplicaSet controller-ref manager's claim."""
        uid, deleting, claimed = d["metadata"]["uid"], bool(d["metadata"].get("deletionTimestamp")), []
        for rs in self.tracker.list(REPLICASETS, d["metadata"]["namespace"])[0]:
            owner, matches = controller_uid(rs), selector_matches(d["spec"]["selector"], rs["metadata"].get("labels")
                                                                   or {})
            if owner == uid and (matches or deleting):
                claimed.append(rs)
            elif owner == uid:
                refs = [r for r in rs["metadata"]["ownerReferences"] if r.get("uid") != uid]
                rs["metadata"]["ownerReferences"] = refs
                if not rs["metadata"]["ownerReferences"]:
                    del rs["metadata"]["ownerReferences"]
                self._write(rs)
            elif owner is None and matches and not deleting and not rs["metadata"].get("deletionTimestamp"):
                refs = rs["metadata"].setdefault("ownerReferences", [])
                refs.append(owner_ref(d, "Deployment", "apps/v1"))
                claimed.append(self._write(rs))
        return claimed

    def _write(self, rs: Obj) -> Obj:
        return self.tracker.update(REPLICASETS, rs["metadata"]["namespace"], rs, check_version=False)

    def _save(self, d: Obj) -> Obj:
        d["status"] = du.wire_status(d.get("status") or {})
        return self.tracker.update(DEPLOYMENTS, d["metadata"]["namespace"], d, check_version=False)

    def _paused_conditions(self, d: Obj) -> Obj:
        if not du.has_deadline(d):
            return d
        status = d.setdefault("status", {})
        cond = du.get_condition(status, "Progressing")
        if cond is not None and cond.get("reason") == "ProgressDeadlineExceeded":
            return d
        paused, now = bool(d["spec"].get("paused")), self.clock.now()
        marked = cond is not None and cond.get("reason") == "DeploymentPaused"
        status.setdefault("conditions", [])
        if paused and not marked:
            du.set_condition(status, du.condition("Progressing", "Unknown", "DeploymentPaused",
                                                  "Deployment is paused", now))
        elif not paused and marked:
            du.set_condition(status, du.condition("Progressing", "Unknown", "DeploymentResumed",
                                                  "Deployment is resumed", now))
        else:
            return d
        return self._save(d)

    def _scaling_event(self, d: Obj, sets: list[Obj]) -> bool:
        new, olds = self.sets_and_revision(d, sets, False)
        for rs in du.active([*olds, *([new] if new else [])]):
            desired = (rs["metadata"].get("annotations") or {}).get(du.DESIRED)
            if desired is not None and desired != str(du.replicas(d)):
                return True
        return False

    def _sync_scale(self, d: Obj, sets: list[Obj]) -> None:
        """``sync``: scaling and pause; no new ReplicaSet is created."""
        new, olds = self.sets_and_revision(d, sets, False)
        rolling.scale(self, d, new, olds)
        if d["spec"].get("paused") and _rollback_to(d) is None:
            self._cleanup(olds, d)
        self._sync_status(self._fresh(d), self._fresh_sets([*olds, *([new] if new else [])]), new)

    def _rolling(self, d: Obj, sets: list[Obj]) -> None:
        new, olds = self.sets_and_revision(d, sets, True)
        if new is None:
            return
        everything = [*olds, new]
        if not rolling.reconcile_new(self, everything, new, d):
            everything = self._fresh_sets(everything)
            new, olds = everything[-1], everything[:-1]
            if not rolling.reconcile_old(self, everything, du.active(olds), new, d) and du.complete(d, d.get(
                    "status") or {}):
                self._cleanup(olds, d)
        self._rollout_status(self._fresh(d), self._fresh_sets(everything), new)

    def _recreate(self, d: Obj, sets: list[Obj]) -> None:
        new, olds = self.sets_and_revision(d, sets, False)
        pods: dict[str, list[Obj]] = {}
        for pod in self.tracker.scan("pods", d["metadata"]["namespace"]):
            uid = controller_uid(pod)
            if uid is not None:
                pods.setdefault(uid, []).append(pod)
        if not rolling.scale_down_for_recreate(self, du.active(olds), d) and not rolling.old_pods_running(olds, pods):
            if new is None:
                new, olds = self.sets_and_revision(d, sets, True)
            if new is not None and du.replicas(new) != du.replicas(d):
                self.scale(new, du.replicas(d), d)
            if du.complete(d, d.get("status") or {}):
                self._cleanup(olds, d)
        self._rollout_status(self._fresh(d), self._fresh_sets([*olds, *([new] if new else [])]), new)

    def _fresh(self, d: Obj) -> Obj:
        return self.tracker.get(DEPLOYMENTS, d["metadata"]["namespace"], d["metadata"]["name"])

    def _fresh_sets(self, sets: list[Obj]) -> list[Obj]:
        found = [self.tracker.find(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"]) for rs in sets]
        return [rs for rs in found if rs is not None]

    # ReplicaSets and revisions ----------------------------------------------------------------------------
    def sets_and_revision(self, d: Obj, sets: list[Obj], create: bool) -> tuple[Obj | None, list[Obj]]:
        """getAllReplicaSetsAndSyncRevision: (the new set, the old sets); revisions kept in step."""
        existing = du.find_new(d, sets)
        olds = [rs for rs in sets if existing is None or rs["metadata"]["uid"] != existing["metadata"]["uid"]]
        new_revision = str(max([du.revision(rs) for rs in olds], default=0) + 1)
        if existing is not None:
            return self._existing_new(d, existing, new_revision), olds
        return (self._create_new(d, olds, new_revision) if create else None), olds

    def _existing_new(self, d: Obj, rs: Obj, new_revision: str) -> Obj:
        rs = clone(rs)
        changed = du.set_new_rs_annotations(d, rs, new_revision, True)
        if changed or rs["spec"].get("minReadySeconds", 0) != d["spec"].get("minReadySeconds", 0):
            rs["spec"]["minReadySeconds"] = d["spec"].get("minReadySeconds", 0)
            rs = self._write(rs)
        needs = self._set_revision(d, du.notes_of(rs)[du.REVISION])
        status = d.setdefault("status", {})
        if du.has_deadline(d) and du.get_condition(status, "Progressing") is None:
            status.setdefault("conditions", [])
            message = f'Found new replica set "{rs["metadata"]["name"]}"'
            du.set_condition(status, du.condition("Progressing", "True", "FoundNewReplicaSet", message,
                                                  self.clock.now()))
            needs = True
        if needs:
            d.update(self._save(d))
        return rs

    def _set_revision(self, d: Obj, revision: str) -> bool:
        notes = du.notes_of(d)
        if notes.get(du.REVISION) == revision:
            return False
        notes[du.REVISION] = revision
        return True

    def _create_new(self, d: Obj, olds: list[Obj], new_revision: str) -> Obj | None:
        meta, spec = d["metadata"], d["spec"]
        status = d.setdefault("status", {})
        digest = template_hash(spec["template"], int(status.get("collisionCount", 0)))
        template = clone(spec["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})[du.HASH_LABEL] = digest
        selector = clone(spec["selector"])
        selector.setdefault("matchLabels", {})[du.HASH_LABEL] = digest
        rs: Obj = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": f"{meta['name']}-{digest}", "namespace": meta["namespace"],
                                "labels": clone(template["metadata"]["labels"]), "generation": 1,
                                "ownerReferences": [owner_ref(d, "Deployment", "apps/v1")]},
                   "spec": {"replicas": 0, "minReadySeconds": spec.get("minReadySeconds", 0), "selector": selector,
                            "template": template}}
        rs["spec"]["replicas"] = rolling.new_rs_replicas(d, [*olds, rs], rs)
        du.set_new_rs_annotations(d, rs, new_revision, False)
        try:
            created, fresh = self.tracker.create(REPLICASETS, meta["namespace"], rs), True
        except ServiceError as exc:
            if exc.code is not errors.ALREADY_EXISTS:
                raise
            created, fresh = self.tracker.get(REPLICASETS, meta["namespace"], rs["metadata"]["name"]), False
            if controller_uid(created) != meta["uid"] or du.find_new(d, [created]) is None:
                status["collisionCount"] = int(status.get("collisionCount", 0)) + 1
                self._save(d)
                return None
        if fresh and created["spec"]["replicas"] > 0:
            self.events.record(d, "Deployment", "Normal", "ScalingReplicaSet",
                               f"Scaled up replica set {created['metadata']['name']} from 0 to "
                               f"{created['spec']['replicas']}")
        needs = self._set_revision(d, new_revision)
        if fresh and du.has_deadline(d):
            status.setdefault("conditions", [])
            du.set_condition(status, du.condition("Progressing", "True", "NewReplicaSetCreated",
                                                  f'Created new replica set "{created["metadata"]["name"]}"',
                                                  self.clock.now()))
            needs = True
        if needs:
            d.update(self._save(d))
        return created

    def scale(self, rs: Obj, count: int, d: Obj, operation: str | None = None) -> tuple[bool, Obj]:
        """scaleReplicaSet: the size and the replica annotations, and a ``ScalingReplicaSet`` event."""
        current = int(rs["spec"].get("replicas", 0))
        fresh = self.tracker.get(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])
        if not du.set_replicas_annotations(fresh, du.replicas(d), du.replicas(d) + du.max_surge(d)) \
                and current == count:
            return False, rs
        if current != count:
            fresh["spec"]["replicas"] = count
            fresh["metadata"]["generation"] = int(fresh["metadata"].get("generation", 1)) + 1
        stored = self._write(fresh)
        if current != count:
            verb = operation or ("up" if count > current else "down")
            self.events.record(d, "Deployment", "Normal", "ScalingReplicaSet",
                               f"Scaled {verb} replica set {rs['metadata']['name']} from {current} to {count}")
        return current != count, stored

    def _cleanup(self, olds: list[Obj], d: Obj) -> None:
        """cleanupDeployment: old sets beyond ``revisionHistoryLimit`` that hold no pods go, oldest revision first."""
        limit = d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in self._fresh_sets(olds) if not rs["metadata"].get("deletionTimestamp")]
        for rs in sorted(alive, key=lambda r: (du.revision(r), r["metadata"]["name"]))[: max(0, len(alive) - limit)]:
            status = rs.get("status") or {}
            if status.get("replicas", 0) or rs["spec"].get("replicas", 0) \
                    or rs["metadata"].get("generation", 1) > status.get("observedGeneration", 0):
                continue
            self.tracker.delete(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])

    # status -----------------------------------------------------------------------------------------------
    def _sync_status(self, d: Obj, sets: list[Obj], new: Obj | None) -> None:
        status = du.wire_status(du.calculate_status(sets, new, d, self.clock.now()))
        if status != (d.get("status") or {}):
            d["status"] = status
            self._save(d)

    def _rollout_status(self, d: Obj, sets: list[Obj], new: Obj | None) -> None:
        """syncRolloutStatus (progress.go)."""
        now = self.clock.now()
        status = du.calculate_status(sets, new, d, now)
        if not du.has_deadline(d):
            du.remove_condition(status, "Progressing")
        current = du.get_condition(d.get("status") or {}, "Progressing")
        finished = status["replicas"] == status["updatedReplicas"] and current is not None \
            and current.get("reason") == "NewReplicaSetAvailable"
        name = new["metadata"]["name"] if new else None
        if du.has_deadline(d) and not finished:
            if du.complete(d, status):
                du.set_condition(status, du.condition("Progressing", "True", "NewReplicaSetAvailable",
                                                      f'ReplicaSet "{name}" has successfully progressed.', now))
            elif du.progressing(d, status):
                cond = du.condition("Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.'
                                    if name else f'Deployment "{d["metadata"]["name"]}" is progressing.', now)
                if current is not None and current["status"] == "True":
                    cond["lastTransitionTime"] = current["lastTransitionTime"]
                du.remove_condition(status, "Progressing")
                du.set_condition(status, cond)
            elif du.timed_out(d, status, now):
                message = f'ReplicaSet "{name}" has timed out progressing.' if name else \
                    f'Deployment "{d["metadata"]["name"]}" has timed out progressing.'
                du.set_condition(status, du.condition("Progressing", "False", "ProgressDeadlineExceeded", message, now))
        failures = _replica_failures(sets, new)
        if failures:
            du.set_condition(status, failures[0])
        else:
            du.remove_condition(status, "ReplicaFailure")
        status = du.wire_status(status)
        if status != (d.get("status") or {}):
            d["status"] = status
            self._save(d)
