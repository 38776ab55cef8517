"""The arithmetic and bookkeeping of kube-controller-manager's ``deployment/util``: maxSurge and
maxUnavailable fenceposts, revision and replica annotations, finding the new ReplicaSet, and the
conditions and status of a Deployment (``DeploymentComplete``, ``DeploymentProgressing``,
``DeploymentTimedOut``, ``calculateStatus``)."""

from __future__ import annotations

import math
from typing import Any

from pullproof.core.clock import parse_time
from pullproof.kube.storage.tracker import clone, kube_time

Obj = dict[str, Any]
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
HASH_LABEL = "pod-template-hash"
SKIPPED_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY,
                                 DESIRED, MAX_REPLICAS, ROLLBACK_TO})
MAX_HISTORY_CHARS = 2000  # maxRevHistoryLengthInChars
NO_DEADLINE = 2**31 - 1  # math.MaxInt32: progressDeadlineSeconds that means "no deadline"


def replicas(obj: Obj) -> int:
    return int((obj.get("spec") or {}).get("replicas", 1))


def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, str):
        if not value.endswith("%"):
            raise ValueError(f"invalid value for IntOrString: invalid type: string is not a percentage: {value}")
        exact = int(value[:-1]) * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value if value is not None else 0)


def rolling(d: Obj) -> bool:
    return ((d["spec"].get("strategy") or {}).get("type") or "RollingUpdate") == "RollingUpdate"


def fenceposts(d: Obj) -> tuple[int, int]:
    """ResolveFenceposts: (maxSurge, maxUnavailable); surge rounds up, unavailable down; both 0 → unavailable 1."""
    params = (d["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    desired = replicas(d)
    surge = scaled_value(params.get("maxSurge", "25%"), desired, True)
    unavailable = scaled_value(params.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Obj) -> int:
    return fenceposts(d)[0] if rolling(d) else 0


def max_unavailable(d: Obj) -> int:
    if not rolling(d) or replicas(d) == 0:
        return 0
    return min(fenceposts(d)[1], replicas(d))


def revision(rs: Obj | None) -> int:
    if rs is None:
        return 0
    try:
        return int(((rs["metadata"].get("annotations") or {}).get(REVISION)) or 0)
    except ValueError:
        return 0


def notes_of(obj: Obj) -> dict[str, str]:
    found: dict[str, str] = obj["metadata"].setdefault("annotations", {})
    return found


def by_creation(sets: list[Obj]) -> list[Obj]:
    return sorted(sets, key=lambda rs: (rs["metadata"].get("creationTimestamp") or "", rs["metadata"]["name"]))


def without_hash(template: Obj) -> Obj:
    copy = clone(template)
    labels = (copy.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(HASH_LABEL, None)
        if not labels:
            copy["metadata"].pop("labels")
    if copy.get("metadata") == {}:
        copy.pop("metadata")
    return copy


def find_new(d: Obj, sets: list[Obj]) -> Obj | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's, ignoring the hash."""
    wanted = without_hash(d["spec"]["template"])
    return next((rs for rs in by_creation(sets) if without_hash(rs["spec"]["template"]) == wanted), None)


def total_spec(sets: list[Obj]) -> int:
    return sum(int(rs["spec"].get("replicas", 0)) for rs in sets)


def total_status(sets: list[Obj], field: str) -> int:
    return sum(int((rs.get("status") or {}).get(field, 0)) for rs in sets)


def active(sets: list[Obj]) -> list[Obj]:
    return [rs for rs in sets if int(rs["spec"].get("replicas", 0)) > 0]


def set_replicas_annotations(rs: Obj, desired: int, most: int) -> bool:
    notes = notes_of(rs)
    changed = notes.get(DESIRED) != str(desired) or notes.get(MAX_REPLICAS) != str(most)
    notes[DESIRED], notes[MAX_REPLICAS] = str(desired), str(most)
    return changed


def set_new_rs_annotations(d: Obj, rs: Obj, new_revision: str, exists: bool) -> bool:
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision (keeping the
    revisions it had in ``revision-history`` when an old set comes back), and the replica annotations."""
    notes = notes_of(rs)
    changed = False
    for key, value in (d["metadata"].get("annotations") or {}).items():
        if key not in SKIPPED_ANNOTATIONS and notes.get(key) != value:
            notes[key] = value
            changed = True
    old = notes.get(REVISION)
    old_int = int(old) if old else 0
    if old_int < int(new_revision):
        notes[REVISION] = new_revision
        changed = True
        if old:
            _remember(notes, old)
    if not exists and set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)):
        changed = True
    return changed


def _remember(notes: dict[str, str], old: str) -> None:
    history = notes.get(REVISION_HISTORY, "")
    if not history:
        notes[REVISION_HISTORY] = old
        return
    kept = history.split(",")
    total = len(history) + len(old) + 1
    start = 0
    while total > MAX_HISTORY_CHARS and start < len(kept):
        total -= len(kept[start]) + 1
        start += 1
    if total <= MAX_HISTORY_CHARS:
        notes[REVISION_HISTORY] = ",".join([*kept[start:], old])


# conditions ---------------------------------------------------------------------------------------
def condition(kind: str, status: str, reason: str, message: str, now: float) -> Obj:
    stamp = kube_time(now)
    return {"type": kind, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def get_condition(status: Obj, kind: str) -> Obj | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == kind), None)


def remove_condition(status: Obj, kind: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != kind]


def set_condition(status: Obj, cond: Obj) -> None:
    """SetDeploymentCondition: same status and reason → unchanged; same status → keep the transition time."""
    current = get_condition(status, cond["type"])
    if current is not None and current["status"] == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current["status"] == cond["status"]:
        cond["lastTransitionTime"] = current["lastTransitionTime"]
    remove_condition(status, cond["type"])
    status["conditions"].append(cond)


def has_deadline(d: Obj) -> bool:
    deadline = d["spec"].get("progressDeadlineSeconds")
    return deadline is not None and int(deadline) != NO_DEADLINE


def complete(d: Obj, status: Obj) -> bool:
    want = replicas(d)
    return bool(status.get("updatedReplicas", 0) == want and status.get("replicas", 0) == want
            and status.get("availableReplicas", 0) == want
            and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1))


def progressing(d: Obj, new: Obj) -> bool:
    old = d.get("status") or {}
    old_olds = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_olds = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return bool(new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_olds < old_olds
            or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or new.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def timed_out(d: Obj, status: Obj, now: float) -> bool:
    cond = get_condition(status, "Progressing")
    if not has_deadline(d) or cond is None or cond.get("reason") == "NewReplicaSetAvailable":
        return False
    if cond.get("reason") == "ProgressDeadlineExceeded":
        return True
    return parse_time(cond["lastUpdateTime"]) + int(d["spec"]["progressDeadlineSeconds"]) < now


def calculate_status(sets: list[Obj], new: Obj | None, d: Obj, now: float) -> Obj:
    available = total_status(sets, "availableReplicas")
    status: Obj = {"observedGeneration": d["metadata"].get("generation", 1),
                   "replicas": total_status(sets, "replicas"),
                   "updatedReplicas": total_status([new] if new else [], "replicas"),
                   "readyReplicas": total_status(sets, "readyReplicas"), "availableReplicas": available,
                   "unavailableReplicas": max(0, total_spec(sets) - available)}
    old = d.get("status") or {}
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    status["conditions"] = clone(old.get("conditions") or [])
    if available >= replicas(d) - max_unavailable(d):
        set_condition(status, condition("Available", "True", "MinimumReplicasAvailable",
                                        "Deployment has minimum availability.", now))
    else:
        set_condition(status, condition("Available", "False", "MinimumReplicasUnavailable",
                                        "Deployment does not have minimum availability.", now))
    return status


def wire_status(status: Obj) -> Obj:
    """The status as the API server stores it: zero counts are omitted (``omitempty``)."""
    return {k: v for k, v in status.items() if v or k == "observedGeneration"}
