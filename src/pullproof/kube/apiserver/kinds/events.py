"""``events.k8s.io/v1`` Event, a view of the core ``v1`` Events: the conversion
(``pkg/apis/events/v1/conversion.go``), the create validation of that version
(``pkg/apis/core/validation/events.go``: ``ValidateEventCreate`` with the request's version; its
field paths are the internal Event's, as the real server's) and the printer (the core Event's: the
API server prints the internal object whichever version was asked for)."""

from __future__ import annotations

from pullproof.kube.apiserver.kinds.base import Conversion, Obj, Strategy
from pullproof.kube.apiserver.labelgrammar import qualified_name_errors
from pullproof.kube.apiserver.printing.printers import PRINTERS, Printer
from pullproof.kube.apiserver.validation import Cause, invalid_value, required

KEY = "events.v1.events.k8s.io"
RENAMED = (("involvedObject", "regarding"), ("message", "note"), ("reportingComponent", "reportingController"),
           ("source", "deprecatedSource"), ("firstTimestamp", "deprecatedFirstTimestamp"),
           ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount"))
"""(core v1 field, events.k8s.io/v1 field); the other fields have the same names in both."""
LIMIT = 128  # ReportingInstanceLengthLimit, ActionLengthLimit, ReasonLengthLimit
NOTE_LIMIT = 1024  # NoteLengthLimit
SYSTEM_NAMESPACES = ("default", "kube-system")


def to_core(obj: Obj) -> Obj:
    """``events.k8s.io/v1`` -> ``v1``."""
    new = {v: c for c, v in RENAMED}
    out: Obj = {"kind": "Event", "apiVersion": "v1"}
    for key, value in obj.items():
        if key in ("kind", "apiVersion") or value is None:
            continue
        out[new.get(key, key)] = value
    out.setdefault("involvedObject", {})
    return out


def from_core(obj: Obj) -> Obj:
    """``v1`` -> ``events.k8s.io/v1`` (``eventTime`` is written even when unset, as ``null``)."""
    new = dict(RENAMED)
    out: Obj = {"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": obj.get("metadata") or {},
                "eventTime": None}
    for key, value in obj.items():
        if key in ("kind", "apiVersion", "metadata") or value is None:
            continue
        out[new.get(key, key)] = value
    return out


def _legacy(obj: Obj) -> list[Cause]:
    """``legacyValidateEvent`` for a request in ``events.k8s.io/v1``."""
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    regarding = str((obj.get("regarding") or {}).get("namespace") or "")
    causes: list[Cause] = []
    if not obj.get("eventTime"):
        if (not regarding and namespace not in ("", "default")) or (regarding and regarding != namespace):
            causes.append(invalid_value("involvedObject.namespace", regarding, "does not match event.namespace"))
        return causes
    if not regarding and namespace not in SYSTEM_NAMESPACES:
        causes.append(invalid_value("involvedObject.namespace", regarding, "does not match event.namespace"))
    controller = str(obj.get("reportingController") or "")
    if not controller:
        causes.append(required("reportingController"))
    causes += [invalid_value("reportingController", controller, m) for m in qualified_name_errors(controller)]
    for field, path, limit in (("reportingInstance", "reportingInstance", LIMIT), ("action", "action", LIMIT),
                               ("reason", "reason", LIMIT), ("note", "message", NOTE_LIMIT)):
        value = str(obj.get(field) or "")
        if not value and field != "note":
            causes.append(required(path))
        if len(value) > limit:
            causes.append(invalid_value(path, "", f"can have at most {limit} characters"))
    return causes


def validate(obj: Obj) -> list[Cause]:
    """``ValidateEventCreate`` for ``events.k8s.io/v1``: the legacy checks, then the strict ones."""
    causes = _legacy(obj)
    series = obj.get("series")
    if isinstance(series, dict):
        if int(series.get("count") or 0) < 2:
            causes.append(invalid_value("series.count", "", "should be at least 2"))
        if not series.get("lastObservedTime"):
            causes.append(required("series.lastObservedTime"))
    if not obj.get("eventTime"):
        causes.append(required("eventTime"))
    kind = str(obj.get("type") or "")
    if kind not in ("Normal", "Warning"):
        causes.append(invalid_value("type", "", f"has invalid value: {kind}"))
    for field, path in (("deprecatedFirstTimestamp", "firstTimestamp"), ("deprecatedLastTimestamp", "lastTimestamp"),
                        ("deprecatedCount", "count")):
        if obj.get(field):
            causes.append(invalid_value(path, "", "needs to be unset"))
    source = obj.get("deprecatedSource") or {}
    if source.get("component") or source.get("host"):
        causes.append(invalid_value("source", "", "needs to be unset"))
    return causes


def _core_printer() -> Printer:
    core = PRINTERS["events"]
    return Printer(core.cols, lambda obj, ages: core.row(to_core(obj), ages),
                   lambda obj: core.row_conditions(to_core(obj)))


CONVERSIONS = {KEY: Conversion(to_core, from_core)}
STRATEGIES: dict[str, Strategy] = {KEY: Strategy(validate=validate, printer=_core_printer())}
