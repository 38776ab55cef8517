"""``autoscaling/v1`` HorizontalPodAutoscaler, a view of the ``autoscaling/v2`` ones (the storage
version): ``targetCPUUtilizationPercentage`` is the CPU utilization metric; the other metrics, the
current metrics, the conditions and the behavior travel in the ``autoscaling.alpha.kubernetes.io/*``
annotations, as ``pkg/apis/autoscaling/v1/conversion.go`` writes them (metrics in v1's
``MetricSpec`` shape; the behavior as the internal type, with Go field names). Defaults, validation
and the printer are the v2 ones, through the conversion."""

from __future__ import annotations

import json
from typing import Any

from pullproof.kube.apiserver.kinds import autoscaling
from pullproof.kube.apiserver.kinds.base import Conversion, Obj, Strategy
from pullproof.kube.apiserver.printing.printers import Printer
from pullproof.kube.apiserver.validation import Cause

KEY = "horizontalpodautoscalers.v1.autoscaling"
METRICS = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"
ROUND_TRIP = (METRICS, CURRENT, CONDITIONS, BEHAVIOR)
SOURCES = {"Resource": "resource", "Pods": "pods", "Object": "object", "External": "external",
           "ContainerResource": "containerResource"}


def _some(**fields: Any) -> Obj:
    return {k: v for k, v in fields.items() if v is not None}


def _spec_to_v1(metric: Obj) -> Obj:
    kind = str(metric.get("type") or "")
    field = SOURCES.get(kind, "")
    src = metric.get(field) or {}
    target, ident = src.get("target") or {}, src.get("metric") or {}
    if kind in ("Resource", "ContainerResource"):
        body = _some(name=src.get("name"), targetAverageUtilization=target.get("averageUtilization"),
                     targetAverageValue=target.get("averageValue"), container=src.get("container"))
    elif kind == "Pods":
        body = _some(metricName=ident.get("name"), targetAverageValue=target.get("averageValue"),
                     selector=ident.get("selector"))
    elif kind == "Object":
        body = _some(target=src.get("describedObject"), metricName=ident.get("name"),
                     targetValue=target.get("value"), selector=ident.get("selector"),
                     averageValue=target.get("averageValue"))
    else:
        body = _some(metricName=ident.get("name"), metricSelector=ident.get("selector"),
                     targetValue=target.get("value"), targetAverageValue=target.get("averageValue"))
    return {"type": kind, field: body} if field else {"type": kind}


def _spec_from_v1(metric: Obj) -> Obj:
    kind = str(metric.get("type") or "")
    field = SOURCES.get(kind, "")
    src = metric.get(field) or {}
    if kind in ("Resource", "ContainerResource"):
        utilization = src.get("targetAverageUtilization")
        target = ({"type": "Utilization", "averageUtilization": utilization} if utilization is not None else
                  _some(type="AverageValue", averageValue=src.get("targetAverageValue")))
        body = _some(name=src.get("name"), target=target, container=src.get("container"))
    elif kind == "Pods":
        body = {"metric": _some(name=src.get("metricName"), selector=src.get("selector")),
                "target": _some(type="AverageValue", averageValue=src.get("targetAverageValue"))}
    elif kind == "Object":
        average = src.get("averageValue")
        body = {"describedObject": src.get("target") or {},
                "metric": _some(name=src.get("metricName"), selector=src.get("selector")),
                "target": _some(type="Value" if average is None else "AverageValue", value=src.get("targetValue"),
                                averageValue=average)}
    else:
        value = src.get("targetValue")
        body = {"metric": _some(name=src.get("metricName"), selector=src.get("metricSelector")),
                "target": _some(type="Value" if value is not None else "AverageValue", value=value,
                                averageValue=src.get("targetAverageValue"))}
    return {"type": kind, field: body} if field else {"type": kind}


def _status_to_v1(metric: Obj) -> Obj:
    kind = str(metric.get("type") or "")
    field = SOURCES.get(kind, "")
    src = metric.get(field) or {}
    current, ident = src.get("current") or {}, src.get("metric") or {}
    if kind in ("Resource", "ContainerResource"):
        body = _some(name=src.get("name"), currentAverageUtilization=current.get("averageUtilization"),
                     currentAverageValue=current.get("averageValue"), container=src.get("container"))
    elif kind == "Pods":
        body = _some(metricName=ident.get("name"), currentAverageValue=current.get("averageValue"),
                     selector=ident.get("selector"))
    elif kind == "Object":
        body = _some(target=src.get("describedObject"), metricName=ident.get("name"),
                     currentValue=current.get("value"), selector=ident.get("selector"),
                     averageValue=current.get("averageValue"))
    else:
        body = _some(metricName=ident.get("name"), metricSelector=ident.get("selector"),
                     currentValue=current.get("value"), currentAverageValue=current.get("averageValue"))
    return {"type": kind, field: body} if field else {"type": kind}


def _status_from_v1(metric: Obj) -> Obj:
    kind = str(metric.get("type") or "")
    field = SOURCES.get(kind, "")
    src = metric.get(field) or {}
    if kind in ("Resource", "ContainerResource"):
        body = _some(name=src.get("name"), current=_some(averageUtilization=src.get("currentAverageUtilization"),
                                                          averageValue=src.get("currentAverageValue")),
                     container=src.get("container"))
    elif kind == "Pods":
        body = {"metric": _some(name=src.get("metricName"), selector=src.get("selector")),
                "current": _some(averageValue=src.get("currentAverageValue"))}
    elif kind == "Object":
        body = {"describedObject": src.get("target") or {},
                "metric": _some(name=src.get("metricName"), selector=src.get("selector")),
                "current": _some(value=src.get("currentValue"), averageValue=src.get("averageValue"))}
    else:
        body = {"metric": _some(name=src.get("metricName"), selector=src.get("metricSelector")),
                "current": _some(value=src.get("currentValue"), averageValue=src.get("currentAverageValue"))}
    return {"type": kind, field: body} if field else {"type": kind}


def _is_cpu(metric: Obj, part: str) -> bool:
    resource = metric.get("resource") or {}
    return metric.get("type") == "Resource" and resource.get("name") == "cpu" and \
        (resource.get(part) or {}).get("averageUtilization") is not None


def _go_names(value: Any) -> Any:
    """The internal type's JSON (no json tags: Go field names)."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _go_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_names(v) for v in value]
    return value


def _json_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _json_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_names(v) for v in value]
    return value


def _encode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def to_v1(obj: Obj) -> Obj:
    """``autoscaling/v2`` -> ``autoscaling/v1``."""
    meta = dict(obj.get("metadata") or {})
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    metrics, current = spec.get("metrics") or [], status.get("currentMetrics") or []
    notes = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in ROUND_TRIP}
    others = [_spec_to_v1(m) for m in metrics if not _is_cpu(m, "target")]
    if others:
        notes[METRICS] = _encode(others)
    if current:
        notes[CURRENT] = _encode([_status_to_v1(m) for m in current])
    if spec.get("behavior") is not None:
        notes[BEHAVIOR] = _encode(_go_names(spec["behavior"]))
    if status.get("conditions"):
        notes[CONDITIONS] = _encode(status["conditions"])
    meta.pop("annotations", None)
    if notes:
        meta["annotations"] = notes
    cpu = next((m for m in metrics if m.get("type") == "Resource" and (m.get("resource") or {}).get("name") == "cpu"),
               None)
    v1_spec = _some(scaleTargetRef=spec.get("scaleTargetRef"), minReplicas=spec.get("minReplicas"),
                    maxReplicas=spec.get("maxReplicas"),
                    targetCPUUtilizationPercentage=((cpu or {}).get("resource") or {}).get("target", {}).get(
                        "averageUtilization"))
    cpu_now = next((m for m in current if _is_cpu(m, "current")), None)
    v1_status = _some(observedGeneration=status.get("observedGeneration"), lastScaleTime=status.get("lastScaleTime"),
                      currentReplicas=status.get("currentReplicas", 0),
                      desiredReplicas=status.get("desiredReplicas", 0),
                      currentCPUUtilizationPercentage=((cpu_now or {}).get("resource") or {}).get(
                          "current", {}).get("averageUtilization"))
    out: Obj = {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v1", "metadata": meta, "spec": v1_spec}
    if "status" in obj:
        out["status"] = v1_status
    return out


def to_v2(obj: Obj) -> Obj:
    """``autoscaling/v1`` -> ``autoscaling/v2`` (the round-trip annotations are consumed)."""
    meta = dict(obj.get("metadata") or {})
    notes = dict(meta.pop("annotations", None) or {})
    found = {k: notes.pop(k) for k in ROUND_TRIP if k in notes}
    if notes:
        meta["annotations"] = notes
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    metrics = []
    if spec.get("targetCPUUtilizationPercentage") is not None:
        metrics.append({"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": spec["targetCPUUtilizationPercentage"]}}})
    metrics += [_spec_from_v1(m) for m in _decoded(found.get(METRICS))]
    v2_spec = _some(scaleTargetRef=spec.get("scaleTargetRef"), minReplicas=spec.get("minReplicas"),
                    maxReplicas=spec.get("maxReplicas"), metrics=metrics or None)
    if BEHAVIOR in found:
        v2_spec["behavior"] = _json_names(json.loads(found[BEHAVIOR]))
    current = [_status_from_v1(m) for m in _decoded(found.get(CURRENT))]
    if not current and status.get("currentCPUUtilizationPercentage") is not None:
        current = [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": status["currentCPUUtilizationPercentage"]}}}]
    v2_status = _some(observedGeneration=status.get("observedGeneration"), lastScaleTime=status.get("lastScaleTime"),
                      currentReplicas=status.get("currentReplicas"), desiredReplicas=status.get("desiredReplicas"),
                      currentMetrics=current or None, conditions=_decoded(found.get(CONDITIONS)) or None)
    out: Obj = {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2", "metadata": meta, "spec": v2_spec}
    if "status" in obj:
        out["status"] = v2_status
    return out


def _decoded(text: str | None) -> list[Obj]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def _default(obj: Obj) -> None:
    converted = to_v2(obj)
    autoscaling.default(converted)
    obj.clear()
    obj.update(to_v1(converted))


def _validate(obj: Obj) -> list[Cause]:
    return autoscaling.validate(to_v2(obj))


PRINTER = Printer(autoscaling.PRINTER.cols, lambda obj, ages: autoscaling.PRINTER.row(to_v2(obj), ages))
CONVERSIONS = {KEY: Conversion(to_v2, to_v1)}
STRATEGIES: dict[str, Strategy] = {
    KEY: Strategy(default=_default, validate=_validate, printer=PRINTER,
                  initial_status={"currentReplicas": 0, "desiredReplicas": 0}),
}
