"""``autoscaling/v2`` HorizontalPodAutoscaler: defaults (``pkg/apis/autoscaling/v2/defaults.go``),
validation and the printer. No metrics server is emulated: the status carries no current metrics and
the replicas are not changed (TARGETS shows ``<unknown>``)."""

from __future__ import annotations

from typing import Any

from pullproof.kube.apiserver.kinds.base import Obj, Strategy
from pullproof.kube.apiserver.printing.durations import Ages
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer
from pullproof.kube.apiserver.validation import Cause, invalid_value, required

CPU_DEFAULT = 80  # autoscaling.DefaultCPUUtilization


def default(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": CPU_DEFAULT}}}]


def validate(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    minimum, maximum = spec.get("minReplicas"), spec.get("maxReplicas", 0)
    if isinstance(minimum, int) and minimum < 1:
        causes.append(invalid_value("spec.minReplicas", minimum, "must be greater than or equal to 1"))
    if isinstance(maximum, int) and maximum < 1:
        causes.append(invalid_value("spec.maxReplicas", maximum, "must be greater than 0"))
    if isinstance(minimum, int) and isinstance(maximum, int) and maximum < minimum:
        causes.append(invalid_value("spec.maxReplicas", maximum, "must be greater than or equal to `minReplicas`"))
    ref = spec.get("scaleTargetRef") or {}
    if not ref.get("kind"):
        causes.append(required("spec.scaleTargetRef.kind"))
    if not ref.get("name"):
        causes.append(required("spec.scaleTargetRef.name"))
    return causes


def _metric(spec: Obj, status: Obj | None) -> str:
    kind = spec.get("type")
    if kind == "Resource":
        source = spec.get("resource") or {}
        target = source.get("target") or {}
        current = (status or {}).get("resource", {}).get("current", {}) if status else {}
        if target.get("averageValue") is not None:
            return f"{source.get('name', '')}: {current.get('averageValue', '<unknown>')}/{target['averageValue']}"
        shown = f"{current['averageUtilization']}%" if current.get("averageUtilization") is not None else \
            "<unknown>"
        wanted = f"{target['averageUtilization']}%" if target.get("averageUtilization") is not None else "<auto>"
        return f"{source.get('name', '')}: {shown}/{wanted}"
    source = spec.get(str(kind)[0].lower() + str(kind)[1:] if kind else "") or {}
    target = source.get("target") or {}
    wanted = target.get("averageValue") or target.get("value") or "<auto>"
    return f"<unknown>/{wanted}"


def _targets(obj: Obj) -> str:
    metrics = (obj.get("spec") or {}).get("metrics") or []
    current = (obj.get("status") or {}).get("currentMetrics") or []
    if not metrics:
        return "<none>"
    shown = [_metric(m, current[i] if i < len(current) else None) for i, m in enumerate(metrics[:2])]
    more = f" + {len(metrics) - 2} more..." if len(metrics) > 2 else ""
    return ", ".join(shown) + more


def _row(obj: Obj, ages: Ages) -> list[Any]:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    minimum = spec.get("minReplicas")
    return [meta.get("name", ""), f"{ref.get('kind', '')}/{ref.get('name', '')}", _targets(obj),
            "<unset>" if minimum is None else str(minimum), int(spec.get("maxReplicas") or 0),
            int((obj.get("status") or {}).get("currentReplicas") or 0), ages.since(meta.get("creationTimestamp"))]


PRINTER = Printer((NAME, Column("Reference", description="Reference to the target resource."),
                   Column("Targets", description="Targets of the horizontal pod autoscaler."),
                   Column("MinPods", description="The lower limit for the number of pods that can be set by the "
                          "autoscaler."),
                   Column("MaxPods", "integer", "The upper limit for the number of pods that can be set by the "
                          "autoscaler."),
                   Column("Replicas", "integer", "Current number of pods managed by this autoscaler."), AGE), _row)
STRATEGIES: dict[str, Strategy] = {
    "horizontalpodautoscalers.autoscaling": Strategy(default=default, validate=validate, printer=PRINTER,
                                                     initial_status={"currentReplicas": 0, "desiredReplicas": 0}),
}
