"""``policy/v1`` PodDisruptionBudget: validation (``pkg/apis/policy/validation``), the status a
create starts with, and the printer (``printPodDisruptionBudget``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pullproof.kube.apiserver.kinds import intorpercent
from pullproof.kube.apiserver.kinds.base import Obj, Strategy
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer
from pullproof.kube.apiserver.selectors import selector_matches
from pullproof.kube.apiserver.validation import Cause

EVICTION_POLICIES = ("AlwaysAllow", "IfHealthyBudget")
POLICY_TYPE = "policy.UnhealthyPodEvictionPolicyType"
INITIAL_STATUS: Obj = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}


def _pointer(seed: str, index: int) -> str:
    """A heap address as Go's ``%#v`` prints a pointer field (its value varies from server to server)."""
    digest = hashlib.sha256(f"{seed}/{index}".encode()).hexdigest()
    return f"0xc00{digest[:6]}{index * 8:x}"[:12]


def _spec_go(spec: Obj, seed: str) -> str:
    def field(key: str, go_type: str, index: int) -> str:
        return f"(*{go_type})({_pointer(seed, index) if spec.get(key) is not None else 'nil'})"
    return (f"policy.PodDisruptionBudgetSpec{{MinAvailable:{field('minAvailable', 'intstr.IntOrString', 1)}, "
            f"Selector:{field('selector', 'v1.LabelSelector', 2)}, "
            f"MaxUnavailable:{field('maxUnavailable', 'intstr.IntOrString', 3)}, "
            f"UnhealthyPodEvictionPolicy:{field('unhealthyPodEvictionPolicy', POLICY_TYPE, 4)}}}")


def validate(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        seed = json.dumps(obj.get("metadata", {}).get("name", ""))
        causes.append(Cause("FieldValueInvalid", "spec", f"Invalid value: {_spec_go(spec, seed)}: minAvailable and "
                                                         "maxUnavailable cannot be both set"))
    for key in ("minAvailable", "maxUnavailable"):
        if spec.get(key) is not None:
            causes += intorpercent.causes(spec[key], f"spec.{key}")
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in EVICTION_POLICIES:
        supported = ", ".join(json.dumps(p) for p in EVICTION_POLICIES)
        causes.append(Cause("FieldValueNotSupported", "spec.unhealthyPodEvictionPolicy",
                            f"Unsupported value: {json.dumps(policy)}: supported values: {supported}"))
    return causes


def _shown(value: Any) -> str:
    return "N/A" if value is None else str(value)


def _row(obj: Obj, ages: Ages) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    meta = obj.get("metadata") or {}
    return [meta.get("name", ""), _shown(spec.get("minAvailable")), _shown(spec.get("maxUnavailable")),
            int(status.get("disruptionsAllowed") or 0), ages.since(meta.get("creationTimestamp"))]


PRINTER = Printer((NAME, Column("Min Available", description="The minimum number of pods that must be available."),
                   Column("Max Unavailable", description="The maximum number of pods that may be unavailable."),
                   Column("Allowed Disruptions", "integer",
                          "Calculated number of pods that may be disrupted at this time."), AGE), _row)

STRATEGIES: dict[str, Strategy] = {
    "poddisruptionbudgets.policy": Strategy(validate=validate, printer=PRINTER, initial_status=INITIAL_STATUS),
}


def selects(pdb: Obj, pod: Obj) -> bool:
    """A ``policy/v1`` selector: absent selects no pod, empty selects every pod of the namespace."""
    selector = (pdb.get("spec") or {}).get("selector")
    if selector is None:
        return False
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return True
    return selector_matches(selector, (pod.get("metadata") or {}).get("labels") or {})


def allowed_condition(status: Obj, generation: int, now: str) -> None:
    """``pdbhelper.UpdateDisruptionAllowedCondition``: ``DisruptionAllowed`` from ``disruptionsAllowed``."""
    allowed = int(status.get("disruptionsAllowed") or 0) > 0
    set_condition(status, {"type": "DisruptionAllowed", "status": "True" if allowed else "False",
                           "reason": "SufficientPods" if allowed else "InsufficientPods", "message": "",
                           "observedGeneration": generation}, now)


def set_condition(status: Obj, condition: Obj, now: str) -> None:
    """``meta.SetStatusCondition``: the transition time moves only when the status changes."""
    conditions = status.setdefault("conditions", [])
    found = next((c for c in conditions if c.get("type") == condition["type"]), None)
    if found is None:
        conditions.append({**condition, "lastTransitionTime": now})
        return
    if found.get("status") != condition["status"]:
        found["lastTransitionTime"] = now
    found.update({k: v for k, v in condition.items() if k != "lastTransitionTime"})
