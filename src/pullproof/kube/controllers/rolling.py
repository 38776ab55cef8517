"""How replicas move between ReplicaSets, as ``rolling.go``, ``recreate.go`` and the proportional
scaling of ``sync.go`` do it. Each function takes the Deployment and its sets and scales through a
``Scaler``; it returns whether it scaled anything (then the caller syncs the rollout status)."""

from __future__ import annotations

import math
from typing import Any, Protocol

from pullproof.kube.controllers import deploymentutil as du

Obj = dict[str, Any]


class Scaler(Protocol):
    def scale(self, rs: Obj, count: int, d: Obj, operation: str | None = None) -> tuple[bool, Obj]:
        """Set ``rs``'s replicas (and replica annotations); (whether the size changed, the set as stored)."""
        ...


def _size(rs: Obj) -> int:
    return int(rs["spec"].get("replicas", 0))


def _available(rs: Obj) -> int:
    return int((rs.get("status") or {}).get("availableReplicas", 0))


def new_rs_replicas(d: Obj, sets: list[Obj], new: Obj) -> int:
    """NewRSNewReplicas."""
    if not du.rolling(d):
        return du.replicas(d)
    current = du.total_spec(sets)
    most = du.replicas(d) + du.max_surge(d)
    if current >= most:
        return _size(new)
    return _size(new) + min(most - current, du.replicas(d) - _size(new))


def reconcile_new(scaler: Scaler, sets: list[Obj], new: Obj, d: Obj) -> bool:
    want = du.replicas(d)
    if _size(new) == want:
        return False
    if _size(new) > want:
        return scaler.scale(new, want, d)[0]
    return scaler.scale(new, new_rs_replicas(d, sets, new), d)[0]


def reconcile_old(scaler: Scaler, sets: list[Obj], olds: list[Obj], new: Obj, d: Obj) -> bool:
    if du.total_spec(olds) == 0:
        return False
    min_available = du.replicas(d) - du.max_unavailable(d)
    new_unavailable = _size(new) - _available(new)
    most = du.total_spec(sets) - min_available - new_unavailable
    if most <= 0:
        return False
    olds, cleaned = _cleanup_unhealthy(scaler, olds, d, most)
    scaled = _scale_down_old(scaler, [*olds, new], olds, d)
    return cleaned + scaled > 0


def _cleanup_unhealthy(scaler: Scaler, olds: list[Obj], d: Obj, most: int) -> tuple[list[Obj], int]:
    """Scale down old sets' unavailable replicas first (they cost no availability)."""
    olds = du.by_creation(olds)
    total = 0
    for i, rs in enumerate(olds):
        if total >= most:
            break
        if _size(rs) == 0 or _size(rs) == _available(rs):
            continue
        count = min(most - total, _size(rs) - _available(rs))
        olds[i] = scaler.scale(rs, _size(rs) - count, d)[1]
        total += count
    return olds, total


def _scale_down_old(scaler: Scaler, sets: list[Obj], olds: list[Obj], d: Obj) -> int:
    min_available = du.replicas(d) - du.max_unavailable(d)
    available = du.total_status(sets, "availableReplicas")
    if available <= min_available:
        return 0
    wanted, total = available - min_available, 0
    for rs in du.by_creation(olds):
        if total >= wanted:
            break
        if _size(rs) == 0:
            continue
        count = min(_size(rs), wanted - total)
        scaler.scale(rs, _size(rs) - count, d)
        total += count
    return total


# Recreate -------------------------------------------------------------------------------------------
def scale_down_for_recreate(scaler: Scaler, olds: list[Obj], d: Obj) -> bool:
    scaled = False
    for rs in du.active(olds):
        scaled = scaler.scale(rs, 0, d)[0] or scaled
    return scaled


def old_pods_running(olds: list[Obj], pods: dict[str, list[Obj]]) -> bool:
    """oldPodsRunning: an old set still reports replicas, or one of its pods has not ended."""
    if du.total_status(olds, "replicas") > 0:
        return True
    for rs in olds:
        for pod in pods.get(rs["metadata"]["uid"], []):
            if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                return True
    return False


# proportional scaling (sync.go scale) --------------------------------------------------------------
def _round(value: float) -> int:
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _fraction(rs: Obj, d: Obj) -> int:
    if du.replicas(d) == 0:
        return -_size(rs)
    most = du.replicas(d) + du.max_surge(d)
    before = int((rs["metadata"].get("annotations") or {}).get(du.MAX_REPLICAS) or 0)
    if before == 0:
        before = int((d.get("status") or {}).get("replicas", 0))
        if before == 0:
            return 0
    return _round(_size(rs) * most / before) - _size(rs)


def _proportion(rs: Obj, d: Obj, to_add: int, added: int) -> int:
    if _size(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction, allowed = _fraction(rs, d), to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _find_active_or_latest(new: Obj | None, olds: list[Obj]) -> Obj | None:
    if new is None and not olds:
        return None
    olds = list(reversed(du.by_creation(olds)))
    live = du.active([*olds, *([new] if new else [])])
    if not live:
        return new if new is not None else olds[0]
    return live[0] if len(live) == 1 else None


def _saturated(d: Obj, new: Obj | None) -> bool:
    if new is None:
        return False
    desired = (new["metadata"].get("annotations") or {}).get(du.DESIRED)
    return desired == str(du.replicas(d)) and _size(new) == du.replicas(d) == _available(new)


def scale(scaler: Scaler, d: Obj, new: Obj | None, olds: list[Obj]) -> None:
    """DeploymentController.scale: a replicas change reaches the sets (proportionally mid-rollout)."""
    only = _find_active_or_latest(new, olds)
    if only is not None:
        if _size(only) != du.replicas(d):
            scaler.scale(only, du.replicas(d), d)
        return
    if _saturated(d, new):
        for rs in du.active(olds):
            scaler.scale(rs, 0, d)
        return
    if not du.rolling(d):
        return
    sets = du.active([*olds, *([new] if new else [])])
    allowed = du.replicas(d) + du.max_surge(d) if du.replicas(d) > 0 else 0
    to_add = allowed - du.total_spec(sets)
    operation = "up" if to_add > 0 else "down" if to_add < 0 else None
    ordered = du.by_creation(sets)
    if to_add > 0:  # ReplicaSetsBySizeNewer
        ordered = sorted(list(reversed(ordered)), key=lambda rs: -_size(rs))
    elif to_add < 0:  # ReplicaSetsBySizeOlder
        ordered = sorted(ordered, key=lambda rs: -_size(rs))
    sizes, added = {}, 0
    for rs in ordered:
        part = _proportion(rs, d, to_add, added)
        sizes[rs["metadata"]["name"]] = _size(rs) + part
        added += part
    for i, rs in enumerate(ordered):
        name = rs["metadata"]["name"]
        if i == 0 and to_add != 0:
            sizes[name] = max(0, sizes[name] + to_add - added)
        scaler.scale(rs, sizes[name], d, operation)
