"""``scheduling.k8s.io/v1`` PriorityClass (validation of ``pkg/apis/scheduling/validation``, the
printer) and the Priority admission plugin: a pod naming a PriorityClass gets its value, one naming a
missing class is refused."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver.admission import forbidden
from pullproof.kube.apiserver.kinds.base import AdmissionContext, Obj, Plugin, Strategy
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer
from pullproof.kube.apiserver.validation import Cause
from pullproof.kube.storage import resources

KEY = "priorityclasses.scheduling.k8s.io"
HIGHEST_USER = 1000000000  # scheduling.HighestUserDefinablePriority
SYSTEM = ("system-node-critical", "system-cluster-critical")


def default(obj: Obj) -> None:
    obj.setdefault("preemptionPolicy", "PreemptLowerPriority")


def validate(obj: Obj) -> list[Cause]:
    name = str((obj.get("metadata") or {}).get("name") or "")
    causes: list[Cause] = []
    if name.startswith("system-") and name not in SYSTEM:
        causes.append(Cause("FieldValueForbidden", "metadata.name",
                            "Forbidden: priority class names with 'system-' prefix are reserved for system use only"))
    value = obj.get("value")
    if isinstance(value, int) and value > HIGHEST_USER and name not in SYSTEM:
        causes.append(Cause("FieldValueForbidden", "value",
                            f"Forbidden: maximum allowed value of a user defined priority is {HIGHEST_USER}"))
    return causes


def validate_update(current: Obj, new: Obj) -> list[Cause]:
    causes: list[Cause] = []
    if current.get("value") != new.get("value"):
        causes.append(Cause("FieldValueForbidden", "value", "Forbidden: may not be changed in an update."))
    if current.get("preemptionPolicy") != new.get("preemptionPolicy"):
        causes.append(Cause("FieldValueInvalid", "preemptionPolicy",
                            f"Invalid value: \"{new.get('preemptionPolicy')}\": field is immutable"))
    return causes


def _row(obj: Obj, ages: Ages) -> list[Any]:
    meta = obj.get("metadata") or {}
    return [meta.get("name", ""), int(obj.get("value") or 0), bool(obj.get("globalDefault")),
            ages.since(meta.get("creationTimestamp")), obj.get("preemptionPolicy") or ""]


def admit_priority(context: AdmissionContext, pod: Obj, current: Obj | None) -> None:
    """The Priority admission plugin on a new pod."""
    if current is not None:
        return
    spec = pod.setdefault("spec", {})
    name = spec.get("priorityClassName")
    classes = context.tracker.scan(KEY)
    if name:
        found = next((c for c in classes if c["metadata"]["name"] == name), None)
        if found is None:
            rtype = resources.by_key("pods")
            assert rtype is not None
            shown = str(pod["metadata"].get("name") or pod["metadata"].get("generateName") or "")
            raise forbidden(rtype, shown, f"no PriorityClass with name {name} was found")
    else:
        found = next((c for c in classes if c.get("globalDefault")), None)
        if found is None:
            return
        spec["priorityClassName"] = found["metadata"]["name"]
    spec["priority"] = int(found.get("value") or 0)
    spec["preemptionPolicy"] = found.get("preemptionPolicy") or "PreemptLowerPriority"


PRINTER = Printer((NAME, Column("Value", "integer", "The value of this priority class. This is the actual priority "
                                "that pods receive when they have the name of this class in their pod spec."),
                   Column("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should "
                          "be considered as the default priority for pods that do not have any priority class. Only "
                          "one PriorityClass can be marked as `globalDefault`. However, if more than one "
                          "PriorityClasses exists with their `globalDefault` field set to true, the smallest value "
                          "of such global default PriorityClasses will be used as the default priority."), AGE,
                   Column("PreemptionPolicy", description="preemptionPolicy is the Policy for preempting pods with "
                          "lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if "
                          "unset.")), _row)
STRATEGIES: dict[str, Strategy] = {KEY: Strategy(default=default, validate=validate, validate_update=validate_update,
                                                 printer=PRINTER)}
PLUGINS = (Plugin(frozenset({"pods"}), admit_priority, mutating=True),)
